"""Account records every segment returns: balances, orders, fills, ledger entries.

One base record per concept (:class:`Balance`, :class:`Order`, :class:`Fill`); each segment's
subclass adds the fields only it has and keeps the key order scripts have always read. Amounts
are exact: a Decimal of what Kraken sent (spot) or the futures wire text (its JSON numbers, byte
for byte), see :data:`Amount`. Times are aware UTC datetimes (spot) or futures' ISO text.
Positions and margin summaries: ``models.margin``; parsers: ``account_spot``, ``account_futures``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from kraken_cli.models.symbols import norm_code

#: An exact amount: a Decimal, or the venue's wire text (Kraken Futures sends JSON numbers whose
#: literal text is the exact value; krx keeps that text so it renders byte for byte).
Amount = Decimal | str
#: A moment: an aware UTC datetime, or futures' ISO-8601 UTC text (``...Z``).
Moment = datetime | str


def _legacy_asset(asset_id: str) -> str:
    # XXBT / ZUSD carry a class prefix; keep suffixes such as .S / .F / .B.
    head, dot, tail = asset_id.partition(".")
    if len(head) == 4 and head[0] in "XZ":
        head = head[1:]
    return norm_code(head + dot + tail)


@dataclass(frozen=True)
class Names:
    """Maps Kraken asset ids and pair names to krx's canonical names (identity if unknown)."""

    asset_lookup: Callable[[str], str | None] = lambda _: None
    pair_lookup: Callable[[str], str | None] = lambda _: None

    def asset(self, asset_id: str) -> str:
        """Return the canonical code of an asset id (``XXBT`` -> ``BTC``)."""
        head, dot, tail = asset_id.partition(".")
        known = self.asset_lookup(head)
        return (known + dot + tail) if known else _legacy_asset(asset_id)

    def symbol(self, pair: str) -> str:
        """Return the canonical ``BASE/QUOTE`` symbol of a pair name, or the name itself."""
        return self.pair_lookup(pair) or pair


class Record:
    """Mixin: the record as an ordered mapping for ``output.render``.

    ``KEYS`` (when set) is the order a subclass has always been printed in; else field order.
    ``KIND`` names the record's column spec in ``output.columns.ACCOUNT``.
    """

    KEYS: ClassVar[tuple[str, ...] | None] = None
    KIND: ClassVar[str] = ""

    def to_record(self) -> dict[str, Any]:
        """Return the fields in the record's key order (SPEC.md order first)."""
        names = self.KEYS or tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return {name: getattr(self, name) for name in names}


# -- balances -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Balance(Record):
    """One asset's balance: ``available = balance - hold``."""

    KIND = "balance"
    asset: str
    balance: Amount | None
    hold: Amount | None
    available: Amount | None


@dataclass(frozen=True)
class SpotBalance(Balance):
    """A spot balance with Kraken's asset id (``XXBT``)."""

    asset_id: str


@dataclass(frozen=True)
class FuturesBalance(Balance):
    """One currency of one futures account (flex collateral or cash)."""

    KIND = "futures_balance"
    account: str
    value_usd: str | None


# -- orders ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Order(Record):
    """An open, closed, placed or validated order (the SPEC.md order fields)."""

    KIND = "order"
    order_id: str | None
    cl_ord_id: str | None
    symbol: str
    side: str | None
    type: str | None
    price: Amount | None
    volume: Amount | None
    filled: Amount | None
    status: str
    opened: Moment | None
    closed: Moment | None


@dataclass(frozen=True)
class SpotOrder(Order):
    """A spot or margin order with Kraken's extra figures."""

    avg_price: Decimal | None = None
    price2: Decimal | None = None
    cost: Decimal | None = None
    fee: Decimal | None = None
    leverage: str | None = None
    oflags: str | None = None
    reason: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class FuturesOrder(Order):
    """A futures order with its trigger, reduce-only flag and last update."""

    stop_price: str | None = None
    reduce_only: bool | None = None
    last_update: str | None = None


# -- fills ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fill(Record):
    """One of the account's own executions."""

    KIND = "fill"
    trade_id: str | None
    time: Moment | None
    price: Amount | None
    volume: Amount | None
    side: str | None
    symbol: str
    order_id: str | None


@dataclass(frozen=True)
class SpotFill(Fill):
    """A spot fill (``TradesHistory``)."""

    KEYS = (
        "trade_id",
        "time",
        "price",
        "volume",
        "side",
        "ord_type",
        "symbol",
        "order_id",
        "cost",
        "fee",
        "maker",
    )
    ord_type: str
    cost: Decimal | None
    fee: Decimal | None
    maker: bool | None


@dataclass(frozen=True)
class FuturesFill(Fill):
    """A futures fill (``fills``)."""

    KIND = "futures_fill"
    KEYS = (
        "trade_id",
        "order_id",
        "cl_ord_id",
        "symbol",
        "time",
        "side",
        "price",
        "volume",
        "fill_type",
    )
    cl_ord_id: str | None
    fill_type: str | None


@dataclass(frozen=True)
class LedgerEntry(Record):
    """One ledger entry (``Ledgers``)."""

    KIND = "ledger"
    ledger_id: str
    time: datetime | None
    type: str
    subtype: str
    asset: str
    amount: Decimal | None
    fee: Decimal | None
    balance: Decimal | None
    refid: str


@dataclass(frozen=True)
class RecordTypes:
    """The record classes one segment's account returns (``KIND`` picks their columns)."""

    balance: type[Balance]
    order: type[Order]
    fill: type[Fill]


SPOT_RECORDS = RecordTypes(SpotBalance, SpotOrder, SpotFill)
FUTURES_RECORDS = RecordTypes(FuturesBalance, FuturesOrder, FuturesFill)
