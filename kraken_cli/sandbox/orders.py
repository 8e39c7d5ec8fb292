"""Order, fill and position records and how Kraken renders them on REST.

Order objects follow the live CCXT captures (``rest-private-QueryOrders.json``) for keys and
money (strings at pair precision, ``refid`` null), but ``userref`` and the ``*tm`` times are JSON
numbers as Kraken sends them (docs examples; pykrakenapi and krakenex read them as numbers; the
CCXT fixture stores them as strings). ``reason`` is absent from OpenOrders rows.
https://docs.kraken.com/api/docs/rest-api/get-orders-info
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kraken_cli.sandbox.market import Pair
from kraken_cli.sandbox.relative import TRAILING_TYPES, Offset
from kraken_cli.sandbox.wire import Raw, dec_text, time4, units_text

TRIGGERED_TYPES = ("stop-loss", "take-profit", "stop-loss-limit", "take-profit-limit")
ORDER_TYPES = (
    "market",
    "limit",
    "iceberg",
    *TRIGGERED_TYPES,
    *TRAILING_TYPES,
    "settle-position",
)
#: types that execute (or rest) at once; the others wait for a trigger
IMMEDIATE_TYPES = ("market", "limit", "iceberg")


@dataclass
class Order:
    """One order of the sandbox account (volumes in lot units, prices in price units)."""

    txid: str
    pair: Pair
    side: str
    ordertype: str
    volume: int
    price: int | None
    price2: int | None
    opentm_ns: int
    userref: int = 0
    cl_ord_id: str | None = None
    oflags: str = "fciq"
    leverage: int | None = None
    reduce_only: bool = False
    timeinforce: str = "GTC"
    status: str = "open"
    vol_exec: int = 0
    cost: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    closetm_ns: int | None = None
    reason: str | None = None
    triggered: bool = False
    amended: bool = False
    amend_tm_ns: int = 0
    trades: list[str] = field(default_factory=list)
    #: iceberg: the volume shown (and filled) at a time
    displayvol: int | None = None
    #: trailing stops: the trailing distance (``price``) and the limit's offset (``price2``)
    trail: Offset | None = None
    limit_offset: Offset | None = None
    #: trailing stops: the best last price since placement (the trigger trails it)
    peak: int | None = None
    #: the price a trigger watches as asked (``index`` is reported; the engine uses the last trade)
    trigger: str = "last"

    @property
    def remaining(self) -> int:
        """Unfilled volume in lot units."""
        return self.volume - self.vol_exec

    @property
    def post_only(self) -> bool:
        """Whether the order carries the ``post`` flag."""
        return "post" in self.oflags.split(",")

    @property
    def limit_price(self) -> int | None:
        """The limit that applies when the order executes (price2 for *-limit types)."""
        if self.ordertype in ("limit", "iceberg"):
            return self.price
        if self.ordertype.endswith("-limit"):
            return self.price2
        return None


@dataclass
class Fill:
    """One private trade (TradesHistory row)."""

    id: str
    order: Order
    time_ns: int
    price: int
    volume: int
    cost: Decimal
    fee: Decimal
    maker: bool
    trade_id: int
    ledgers: list[str] = field(default_factory=list)
    position: bool = False


def price_text(pair: Pair, units: int | None) -> str:
    """Render a price at the pair's precision ("0" when absent)."""
    return "0" if units is None else units_text(units, pair.pair_decimals)


def vol_text(pair: Pair, units: int) -> str:
    """Render a volume at the pair's lot precision."""
    return units_text(units, pair.lot_decimals)


def descr_prices(order: Order) -> tuple[str, str]:
    """``descr.price``/``price2``: trailing offsets as given (``+50.0000%``), else prices."""
    pair = order.pair
    p1 = order.trail.text(pair) if order.trail else price_text(pair, order.price)
    if order.limit_offset:
        return p1, order.limit_offset.text(pair)
    return p1, price_text(pair, order.price2)


def describe(order: Order) -> str:
    """Build Kraken's human ``descr.order`` text, e.g. ``buy 0.10000000 XBTUSD @ market``."""
    pair = order.pair
    head = f"{order.side} {vol_text(pair, order.volume)} {pair.altname} @ "
    p1, p2 = descr_prices(order)
    body = {
        "market": "market",
        "limit": f"limit {p1}",
        "iceberg": f"limit {p1}",
        "trailing-stop": f"trailing stop {p1}",
        "trailing-stop-limit": f"trailing stop {p1} -> limit {p2}",
        "settle-position": "settle position",
        "stop-loss": f"stop loss {p1}",
        "take-profit": f"take profit {p1}",
        "stop-loss-limit": f"stop loss {p1} -> limit {p2}",
        "take-profit-limit": f"take profit {p1} -> limit {p2}",
    }[order.ordertype]
    tail = f" with {order.leverage}:1 leverage" if order.leverage else ""
    return head + body + tail


def _tm(ns: int | None) -> Raw | int:
    return time4(ns) if ns else 0


def order_json(order: Order, with_trades: bool = False, listing: bool = False) -> dict[str, object]:
    """Render an order object like ClosedOrders/QueryOrders (``listing``: OpenOrders) do."""
    pair = order.pair
    cost_places = pair.cost_decimals
    avg = Decimal(0)
    if order.vol_exec:
        avg = order.cost / (Decimal(order.vol_exec) / Decimal(10**pair.lot_decimals))
    out: dict[str, object] = {
        "refid": None,
        "userref": order.userref,
        "status": order.status,
        "opentm": _tm(order.opentm_ns),
        "starttm": 0,
        "expiretm": 0,
        "descr": {
            "pair": pair.altname,
            "type": order.side,
            "ordertype": order.ordertype,
            "price": descr_prices(order)[0],
            "price2": descr_prices(order)[1],
            "leverage": f"{order.leverage}:1" if order.leverage else "none",
            "order": describe(order),
            "close": "",
        },
        "vol": vol_text(pair, order.volume),
        "vol_exec": vol_text(pair, order.vol_exec),
        "cost": dec_text(order.cost, cost_places),
        "fee": dec_text(order.fee, cost_places),
        "price": dec_text(avg, pair.pair_decimals) if order.vol_exec else "0.00000",
        # a trailing stop reports where its trigger (and limit) currently are
        "stopprice": price_text(pair, order.price) if order.trail else "0.00000",
        "limitprice": price_text(pair, order.price2) if order.limit_offset else "0.00000",
        "misc": "amended" if order.amended else "",
        "oflags": order.oflags,
    }
    if order.trigger != "last":
        out["trigger"] = order.trigger  # Kraken reports it only when not the default
    if order.cl_ord_id is not None:
        out["cl_ord_id"] = order.cl_ord_id
    if with_trades and order.trades:
        out["trades"] = list(order.trades)
    if not listing:
        out["reason"] = order.reason
    if order.status in ("closed", "canceled", "expired"):
        out["closetm"] = _tm(order.closetm_ns)
    return out


def fill_json(fill: Fill, with_ledgers: bool = False) -> dict[str, object]:
    """Render a TradesHistory entry (prices padded like the docs sample)."""
    pair = fill.order.pair
    decimals = max(pair.pair_decimals, 5)
    out: dict[str, object] = {
        "ordertxid": fill.order.txid,
        # Kraken reports this same constant postxid on trades that opened no position
        "postxid": "TKH2SE-M7IF5-CFI7LT",
        "pair": pair.key,
        "time": time4(fill.time_ns),
        "type": fill.order.side,
        "ordertype": fill.order.ordertype,
        "price": dec_text(Decimal(fill.price) / 10**pair.pair_decimals, decimals),
        "cost": dec_text(fill.cost, pair.cost_decimals),
        "fee": dec_text(fill.fee, pair.cost_decimals),
        "vol": vol_text(pair, fill.volume),
        "margin": dec_text(
            fill.cost / fill.order.leverage if fill.order.leverage else Decimal(0),
            pair.cost_decimals,
        ),
        "misc": "",
        "trade_id": fill.trade_id,
        "maker": fill.maker,
    }
    if fill.order.leverage:
        out["posstatus"] = "open"
    if with_ledgers:
        out["ledgers"] = list(fill.ledgers)
    return out
