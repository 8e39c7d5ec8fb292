"""Stream requests and the records ``krx stream`` writes (one dict per JSON line).

Numbers stay the exact decimal text of the wire (``parse_float=str``); prices and volumes of
trades are padded as Kraken's REST writes them (``rest_text_pair``), so WS trades, REST-backfilled
trades and ``krx trades`` read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kraken_cli.client.book import norm_decimal

#: User-facing channel names -> WS v2 channel names.
CHANNELS = {
    "trades": "trade",
    "trade": "trade",
    "ticker": "ticker",
    "candles": "ohlc",
    "ohlc": "ohlc",
    "book": "book",
    "instrument": "instrument",
    "executions": "executions",
    "balances": "balances",
}
PRIVATE_CHANNELS = frozenset({"executions", "balances"})
#: Channels subscribed per symbol.
SYMBOL_CHANNELS = frozenset({"trade", "ticker", "ohlc", "book"})
#: Native WS v2 ohlc intervals, minutes.
OHLC_INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)


@dataclass(frozen=True)
class StreamPair:
    """A resolved pair: WS v2 symbol, REST pair name and the precisions of the checksum."""

    symbol: str
    rest_pair: str
    price_decimals: int
    qty_decimals: int


@dataclass(frozen=True)
class StreamRequest:
    """One subscription: a WS v2 channel over some pairs (with its interval or depth)."""

    channel: str
    pairs: tuple[StreamPair, ...] = ()
    interval: int | None = None
    depth: int = 10

    def params(self, symbols: list[str] | None = None, token: str | None = None) -> dict[str, Any]:
        """Return the subscribe ``params`` (all pairs, or only ``symbols``)."""
        params: dict[str, Any] = {"channel": self.channel}
        if self.channel in SYMBOL_CHANNELS:
            params["symbol"] = symbols if symbols is not None else [p.symbol for p in self.pairs]
        if self.channel == "ohlc":
            params["interval"] = self.interval or 1
        elif self.channel == "book":
            params["depth"] = self.depth
        elif self.channel == "executions":
            params["snap_orders"] = True
        if token is not None:
            params["token"] = token
        return params


#: Kraken's REST writes trade prices with at least this many decimals (``"64401.20000"`` for
#: BTC/USD, whose price precision is 1); volumes at the pair's lot precision, as WS pads them.
REST_PRICE_DECIMALS = 5


def rest_text_pair(pair: StreamPair) -> StreamPair:
    """Return ``pair`` with the price decimals of REST's trade text (at least 5).

    A stream trade padded to these reads exactly as ``krx trades`` shows the same trade (the
    same value Kraken sent, the same text). Books keep the pair's own precision (checksum).
    """
    if pair.price_decimals >= REST_PRICE_DECIMALS:
        return pair
    return replace(pair, price_decimals=REST_PRICE_DECIMALS)


def num(value: object) -> object:
    """Return a wire number as text (ints that are counts stay ints elsewhere)."""
    return value if value.__class__ is str else str(value)


def fix(value: object, decimals: int) -> str:
    """Return a decimal text padded to ``decimals`` when that loses nothing."""
    text = value if isinstance(value, str) else str(value)
    dot = text.find(".")
    if dot > 0 and "e" not in text:
        frac = len(text) - dot - 1
        if frac == decimals:
            return text
        if frac < decimals and text.isascii() and text.replace(".", "", 1).isdigit():
            return text + "0" * (decimals - frac)  # Kraken strips trailing zeros: no Decimal
    try:
        fixed = norm_decimal(text, decimals)
        return fixed if Decimal(fixed) == Decimal(text) else text
    except ArithmeticError:
        return text


def iso_from_seconds(value: object) -> str:
    """Render unix seconds (text, int or float; fractional) as ISO-8601 UTC with µs and Z."""
    d = Decimal(value if isinstance(value, str) else str(value))
    secs = int(d)
    micros = int((d - secs) * 1_000_000)
    stamp = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{micros:06d}Z"


def iso_to_ns(text: str) -> int:
    """Return the unix time in nanoseconds of an RFC3339 ``...Z`` timestamp (any fraction)."""
    base, _, frac = text.rstrip("Z").partition(".")
    secs = int(datetime.fromisoformat(base).replace(tzinfo=UTC).timestamp())
    return secs * 1_000_000_000 + int((frac or "0")[:9].ljust(9, "0"))


def iso_trim(text: str) -> str:
    """Drop an all-zero fraction: ``...T17:48:00.000000000Z`` -> ``...T17:48:00Z``."""
    base, dot, frac = text.rstrip("Z").partition(".")
    if not dot or not frac.strip("0"):
        return base + "Z"
    return f"{base}.{frac.rstrip('0')}Z"


def trade_record(
    symbol: str, trade_id: int, time: str, price: str, volume: str, side: str, ord_type: str
) -> dict[str, Any]:
    """Build the trade record of a stream (the one shape for WS and REST-backfilled trades)."""
    return {
        "channel": "trade",
        "symbol": symbol,
        "trade_id": trade_id,
        "time": time,
        "price": price,
        "volume": volume,
        "side": side,
        "ord_type": ord_type,
    }


def trade_from_rest(symbol: str, row: list[Any], pair: StreamPair) -> dict[str, Any]:
    """Build a trade record from a REST Trades row ``[price, volume, time, b|s, m|l, misc, id]``."""
    return trade_record(
        symbol,
        int(row[6]),
        iso_from_seconds(row[2]),
        fix(row[0], pair.price_decimals),
        fix(row[1], pair.qty_decimals),
        "buy" if row[3] in ("b", "buy") else "sell",
        "market" if row[4] in ("m", "market") else "limit",
    )


def ohlc_record(c: dict[str, Any]) -> dict[str, Any]:
    """Build a candle record from a WS v2 ohlc item."""
    return {
        "channel": "ohlc",
        "symbol": c["symbol"],
        "time": iso_trim(c["interval_begin"]),
        "open": num(c["open"]),
        "high": num(c["high"]),
        "low": num(c["low"]),
        "close": num(c["close"]),
        "vwap": num(c["vwap"]),
        "volume": num(c["volume"]),
        "count": c.get("trades"),
        "interval": c.get("interval"),
    }


def ohlc_from_rest(symbol: str, interval: int, row: list[Any]) -> dict[str, Any]:
    """Build a candle record from a REST OHLC row ``[time, o, h, l, c, vwap, volume, count]``."""
    stamp = datetime.fromtimestamp(int(row[0]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "channel": "ohlc",
        "symbol": symbol,
        "time": stamp,
        "open": num(row[1]),
        "high": num(row[2]),
        "low": num(row[3]),
        "close": num(row[4]),
        "vwap": num(row[5]),
        "volume": num(row[6]),
        "count": int(row[7]),
        "interval": interval,
    }


def ticker_record(t: dict[str, Any]) -> dict[str, Any]:
    """Build a ticker record from a WS v2 ticker item."""
    rec: dict[str, Any] = {
        "channel": "ticker",
        "symbol": t["symbol"],
        "bid": num(t["bid"]),
        "ask": num(t["ask"]),
        "last": num(t["last"]),
        "volume_24h": num(t["volume"]),
        "vwap_24h": num(t["vwap"]),
        "low_24h": num(t["low"]),
        "high_24h": num(t["high"]),
    }
    for key in ("bid_qty", "ask_qty", "change", "change_pct"):
        if key in t:
            rec[key] = num(t[key])
    if "trades" in t:
        rec["trades_24h"] = t["trades"]
    if "timestamp" in t:
        rec["time"] = t["timestamp"]
    return rec


def private_record(channel: str, item: dict[str, Any], sequence: object) -> dict[str, Any]:
    """Build an executions/balances record: the item with ``channel`` (and ``symbol``) first."""
    rec: dict[str, Any] = {"channel": channel, "symbol": item.get("symbol") or item.get("asset")}
    for key, value in item.items():
        if key != "symbol":
            rec[key] = str(value) if isinstance(value, float) else value
    if sequence is not None:
        rec["sequence"] = sequence
    return rec


def balance_record(item: dict[str, Any], sequence: object) -> dict[str, Any]:
    """Build a balances record: SPEC's ``asset, balance, hold, available`` first, then the item.

    The WS ``balances`` channel carries no hold (funds reserved by open orders), so ``hold``
    and ``available`` (balance - hold) are null here; ``krx account balance`` has them.
    """
    rec: dict[str, Any] = {
        "channel": "balances",
        "symbol": item.get("asset"),
        "asset": item.get("asset"),
        "balance": num(item["balance"]) if item.get("balance") is not None else None,
        "hold": None,
        "available": None,
    }
    for key, value in private_record("balances", item, sequence).items():
        rec.setdefault(key, value)
    return rec


#: Fields an order keeps for its life (amends aside): short ``executions`` updates omit them.
ORDER_FIELDS = (
    "symbol",
    "side",
    "order_type",
    "order_qty",
    "limit_price",
    "limit_price_type",
    "stop_price",
    "trigger_price",
    "time_in_force",
    "cl_ord_id",
    "order_userref",
    "post_only",
    "reduce_only",
    "margin",
    "display_qty",
    "expire_time",
)
#: Order statuses after which Kraken sends nothing more about the order.
FINAL_STATUSES = frozenset({"filled", "canceled", "expired"})


class OrderMemory:
    """Remember the order fields seen per order_id (pending_new, snapshot, amends)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.orders: dict[str, dict[str, Any]] = {}

    def complete(self, item: dict[str, Any]) -> dict[str, Any]:
        """Return ``item`` with the order fields it lacks filled from earlier messages."""
        order_id = item.get("order_id")
        if not isinstance(order_id, str):
            return item
        known = self.orders.pop(order_id, None) or {}  # re-inserted last: newest at the end
        for key in ORDER_FIELDS:
            if item.get(key) is not None:
                known[key] = item[key]
        if item.get("order_status") not in FINAL_STATUSES:  # else forget it: nothing more comes
            self.orders[order_id] = known
            if len(self.orders) > self.limit:
                del self.orders[next(iter(self.orders))]
        missing = {k: v for k, v in known.items() if item.get(k) is None}
        return item | missing if missing else item
