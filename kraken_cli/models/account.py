"""Account records (balances, orders, trades, ledger, positions) and their pure parsers.

Amounts are kept as the exact Decimal Kraken sent (``format(d, "f")`` renders them byte for
byte); times are aware UTC datetimes. Parsers take Kraken's private REST results (PROTOCOL §2.5)
and a :class:`Names` map that turns asset ids (``XXBT``) and pair names (``XBTUSD``) into krx's
canonical codes (``BTC``, ``BTC/USD``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.models.symbols import norm_code


def dec(value: Any) -> Decimal | None:
    """Return an exact Decimal of a wire value (str or JSON number), None when absent."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def when(value: Any) -> datetime | None:
    """Return an aware UTC datetime of unix seconds (float or string); None for 0/absent."""
    number = dec(value)
    if number is None or number == 0:
        return None
    whole = int(number)
    micros = int((number - whole) * 1_000_000)
    return datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=micros)


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
    """Mixin: the record as an ordered mapping for ``output.render``."""

    def to_record(self) -> dict[str, Any]:
        """Return the fields in declaration order (SPEC.md order first)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Balance(Record):
    """One asset's balance: ``available = balance - hold``."""

    asset: str
    balance: Decimal
    hold: Decimal
    available: Decimal
    asset_id: str


def parse_balance_ex(result: Mapping[str, Any], names: Names) -> list[Balance]:
    """Parse a ``BalanceEx`` result (``{"XXBT": {"balance", "hold_trade"}}``)."""
    out = []
    for asset_id, raw in result.items():
        if isinstance(raw, Mapping):
            balance = dec(raw.get("balance")) or Decimal(0)
            hold = dec(raw.get("hold_trade")) or Decimal(0)
        else:  # plain Balance result: "<amount>"
            balance, hold = dec(raw) or Decimal(0), Decimal(0)
        out.append(Balance(names.asset(asset_id), balance, hold, balance - hold, asset_id))
    return sorted(out, key=lambda b: b.asset)


@dataclass(frozen=True)
class Order(Record):
    """An open or closed order (SPEC.md order fields first)."""

    order_id: str
    cl_ord_id: str | None
    symbol: str
    side: str
    type: str
    price: Decimal | None
    volume: Decimal | None
    filled: Decimal | None
    status: str
    opened: datetime | None
    closed: datetime | None
    avg_price: Decimal | None = None
    price2: Decimal | None = None
    cost: Decimal | None = None
    fee: Decimal | None = None
    leverage: str | None = None
    oflags: str | None = None
    reason: str | None = None
    description: str | None = None


def parse_order(order_id: str, raw: Mapping[str, Any], names: Names) -> Order:
    """Parse one order object of OpenOrders / ClosedOrders / QueryOrders."""
    descr = raw.get("descr") or {}
    limit = dec(descr.get("price"))
    avg = dec(raw.get("price"))
    leverage = descr.get("leverage")
    return Order(
        order_id=order_id,
        cl_ord_id=raw.get("cl_ord_id") or None,
        symbol=names.symbol(str(descr.get("pair", ""))),
        side=str(descr.get("type", "")),
        type=str(descr.get("ordertype", "")),
        # A market order has no limit price ("0"): show what it executed at instead.
        price=limit if limit else avg,
        volume=dec(raw.get("vol")),
        filled=dec(raw.get("vol_exec")),
        status=str(raw.get("status", "")),
        opened=when(raw.get("opentm")),
        closed=when(raw.get("closetm")),
        avg_price=avg,
        price2=dec(descr.get("price2")) or None,
        cost=dec(raw.get("cost")),
        fee=dec(raw.get("fee")),
        leverage=None if leverage in (None, "none") else str(leverage),
        oflags=raw.get("oflags") or None,
        reason=raw.get("reason") or None,
        description=descr.get("order") or None,
    )


def parse_orders(table: Mapping[str, Any], names: Names) -> list[Order]:
    """Parse ``{"<txid>": order}`` (the ``open`` / ``closed`` object), keeping Kraken's order."""
    return [parse_order(txid, raw, names) for txid, raw in table.items()]


@dataclass(frozen=True)
class AccountTrade(Record):
    """One of the account's own fills (``TradesHistory``)."""

    trade_id: str
    time: datetime | None
    price: Decimal | None
    volume: Decimal | None
    side: str
    ord_type: str
    symbol: str
    order_id: str
    cost: Decimal | None
    fee: Decimal | None
    maker: bool | None


def parse_trades(table: Mapping[str, Any], names: Names) -> list[AccountTrade]:
    """Parse the ``trades`` object of ``TradesHistory``."""
    return [
        AccountTrade(
            trade_id=txid,
            time=when(raw.get("time")),
            price=dec(raw.get("price")),
            volume=dec(raw.get("vol")),
            side=str(raw.get("type", "")),
            ord_type=str(raw.get("ordertype", "")),
            symbol=names.symbol(str(raw.get("pair", ""))),
            order_id=str(raw.get("ordertxid", "")),
            cost=dec(raw.get("cost")),
            fee=dec(raw.get("fee")),
            maker=raw.get("maker") if isinstance(raw.get("maker"), bool) else None,
        )
        for txid, raw in table.items()
    ]


@dataclass(frozen=True)
class LedgerEntry(Record):
    """One ledger entry (``Ledgers``)."""

    ledger_id: str
    time: datetime | None
    type: str
    subtype: str
    asset: str
    amount: Decimal | None
    fee: Decimal | None
    balance: Decimal | None
    refid: str


def parse_ledger(table: Mapping[str, Any], names: Names) -> list[LedgerEntry]:
    """Parse the ``ledger`` object of ``Ledgers``."""
    return [
        LedgerEntry(
            ledger_id=lid,
            time=when(raw.get("time")),
            type=str(raw.get("type", "")),
            subtype=str(raw.get("subtype", "")),
            asset=names.asset(str(raw.get("asset", ""))),
            amount=dec(raw.get("amount")),
            fee=dec(raw.get("fee")),
            balance=dec(raw.get("balance")),
            refid=str(raw.get("refid") or ""),
        )
        for lid, raw in table.items()
    ]


@dataclass(frozen=True)
class Position(Record):
    """One open margin position (``OpenPositions``)."""

    position_id: str
    order_id: str
    symbol: str
    side: str
    ord_type: str
    volume: Decimal | None
    volume_closed: Decimal | None
    cost: Decimal | None
    fee: Decimal | None
    margin: Decimal | None
    value: Decimal | None
    net: Decimal | None
    opened: datetime | None


def parse_positions(result: Any, names: Names) -> list[Position]:
    """Parse an ``OpenPositions`` result keyed by position id."""
    if not isinstance(result, Mapping):
        return []
    return [
        Position(
            position_id=pid,
            order_id=str(raw.get("ordertxid", "")),
            symbol=names.symbol(str(raw.get("pair", ""))),
            side=str(raw.get("type", "")),
            ord_type=str(raw.get("ordertype", "")),
            volume=dec(raw.get("vol")),
            volume_closed=dec(raw.get("vol_closed")),
            cost=dec(raw.get("cost")),
            fee=dec(raw.get("fee")),
            margin=dec(raw.get("margin")),
            value=dec(raw.get("value")),
            net=dec(raw.get("net")),
            opened=when(raw.get("time")),
        )
        for pid, raw in result.items()
    ]


#: TradeBalance's one-letter keys and the names krx shows.
TRADE_BALANCE_FIELDS = (
    ("eb", "equivalent_balance"),
    ("tb", "trade_balance"),
    ("m", "margin"),
    ("n", "unrealized_pnl"),
    ("c", "cost_basis"),
    ("v", "valuation"),
    ("e", "equity"),
    ("mf", "free_margin"),
    ("ml", "margin_level"),
    ("uv", "unexecuted_value"),
)


def parse_trade_balance(result: Mapping[str, Any], asset: str) -> dict[str, Any]:
    """Parse ``TradeBalance`` into one record with readable field names."""
    record: dict[str, Any] = {"asset": asset}
    for short, name in TRADE_BALANCE_FIELDS:
        record[name] = dec(result.get(short))
    return record
