"""The 24-hour ticker record of a market and its spot row parser.

Apart from :mod:`kraken_cli.models.market` so that ``krx ticker`` creates only the records it
prints (start-up, issue 17); still importable from there. The futures variant, with mark/index
price and funding, is :class:`~kraken_cli.models.futures_market.FuturesTicker`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kraken_cli.models.numbers import dec, exact, malformed_row


@dataclass(frozen=True, slots=True)
class Ticker:
    """The 24-hour ticker of a market (a futures index row has no bid/ask)."""

    symbol: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    volume_24h: Decimal | None
    vwap_24h: Decimal | None
    low_24h: Decimal | None
    high_24h: Decimal | None
    trades_24h: int | None = None
    open_today: Decimal | None = None

    def _common(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "bid": exact(self.bid),
            "ask": exact(self.ask),
            "last": exact(self.last),
            "volume_24h": exact(self.volume_24h),
            "vwap_24h": exact(self.vwap_24h),
            "low_24h": exact(self.low_24h),
            "high_24h": exact(self.high_24h),
        }

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC ticker record."""
        return self._common() | {"trades_24h": self.trades_24h}

    @property
    def reference_open(self) -> Decimal | None:
        """Return the price the change is measured from: spot, today's open (00:00 UTC).

        Kraken's spot REST ticker publishes one reference price, ``o``; a futures ticker
        publishes the open 24 hours ago (:class:`~kraken_cli.models.futures_market.FuturesTicker`).
        """
        return self.open_today


def parse_ticker(raw: Mapping[str, Any], symbol: str) -> Ticker:
    """Parse one Ticker entry (``a b c v p t l h o``); the 24-hour value is index 1."""
    try:
        return Ticker(
            symbol=symbol,
            bid=dec(raw["b"][0]),
            ask=dec(raw["a"][0]),
            last=dec(raw["c"][0]),
            volume_24h=dec(raw["v"][1]),
            vwap_24h=dec(raw["p"][1]),
            low_24h=dec(raw["l"][1]),
            high_24h=dec(raw["h"][1]),
            trades_24h=int(raw["t"][1]),
            open_today=dec(raw["o"]) if "o" in raw else None,
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise malformed_row("ticker", raw) from exc
