"""The key's fee tier per pair, from TradeVolume (fees in percent, volume in ``currency``).

https://docs.kraken.com/api/docs/rest-api/get-trade-volume: ``fees`` holds the taker side (or
the only fee of a pair not on a maker/taker schedule), ``fees_maker`` the maker side; ``nextfee``
and ``nextvolume`` are null at the lowest fee tier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kraken_cli.models.account import Record
from kraken_cli.models.reply import Reply

ENDPOINT = "TradeVolume"


@dataclass(frozen=True)
class FeeTier(Record):
    """One pair's fees for this key: what it pays now and what the next tier would."""

    KIND = "fee_tier"
    symbol: str
    taker_fee_pct: Decimal | None
    maker_fee_pct: Decimal | None
    volume_30d: Decimal | None
    currency: str | None
    tier_volume: Decimal | None
    next_volume: Decimal | None
    next_taker_fee_pct: Decimal | None
    next_maker_fee_pct: Decimal | None


def parse_trade_volume(
    result: Any, pairs: Sequence[str], symbol_of: Callable[[str], str]
) -> list[FeeTier]:
    """Parse TradeVolume's result into one FeeTier per pair (Kraken's order; else as asked)."""
    reply = Reply(ENDPOINT)
    table = reply.table(result)
    taker_fees = reply.table(table.get("fees") or {}, "fees")
    maker_fees = reply.table(table.get("fees_maker") or {}, "fees_maker")
    volume = reply.amount(table.get("volume"), "volume")
    currency = reply.text(table.get("currency"), "currency")
    tiers = []
    for key in list(taker_fees) or list(pairs):
        taker = reply.table(taker_fees.get(key) or {}, f"fees of {key}")
        # a pair off the maker/taker schedule has one fee, in ``fees``: makers pay it too
        maker = reply.table(maker_fees.get(key) or {}, f"fees_maker of {key}") or taker
        tiers.append(
            FeeTier(
                symbol=symbol_of(key),
                taker_fee_pct=reply.amount(taker.get("fee"), "fee"),
                maker_fee_pct=reply.amount(maker.get("fee"), "fees_maker fee"),
                volume_30d=volume,
                currency=currency,
                tier_volume=reply.amount(taker.get("tiervolume"), "tiervolume"),
                next_volume=reply.amount(taker.get("nextvolume"), "nextvolume"),
                next_taker_fee_pct=reply.amount(taker.get("nextfee"), "nextfee"),
                next_maker_fee_pct=reply.amount(maker.get("nextfee"), "fees_maker nextfee"),
            )
        )
    return tiers
