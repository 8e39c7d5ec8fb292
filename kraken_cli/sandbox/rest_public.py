"""Spot public REST endpoints (``GET /0/public/<Method>``), built from the tape and books.

Result keys follow Kraken: the pair key when the request named the key or altname, the
``BASE/QUOTE`` text when it used that form (REC26). Prices on Ticker/Depth are padded to at
least 5 decimals as Kraken does; volumes keep the pair's lot precision.
https://docs.kraken.com/api/docs/rest-api/get-server-time
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.market import ASSETS, PAIRS, Pair, asset_json, pair_json, rest_pair
from kraken_cli.sandbox.ohlc import INTERVALS, candle_row, ohlc, stats
from kraken_cli.sandbox.wire import (
    NS,
    rfc1123_kraken,
    rfc3339_seconds,
    time4,
    units_text,
)

Params = Mapping[str, str]
MAX_TRADES = 1000


class ApiError(Exception):
    """A Kraken error string, answered as ``{"error":[...]}`` with HTTP 200."""


def padded(pair: Pair, units: int) -> str:
    """Render a price with at least 5 decimals (Ticker/Depth/Trades style)."""
    decimals = max(pair.pair_decimals, 5)
    return units_text(units * 10 ** (decimals - pair.pair_decimals), decimals)


def _int_param(params: Params, name: str, default: int | None) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        return int(Decimal(text))
    except (ArithmeticError, ValueError):  # junk, NaN, infinity
        raise ApiError(f"EGeneral:Invalid arguments:{name}") from None


def pairs_param(params: Params, required: bool = True) -> list[tuple[str, Pair]]:
    """Resolve ``pair`` (comma list) to (result key, Pair); raise on unknown names."""
    text = params.get("pair", "")
    if not text:
        if required:
            raise ApiError("EGeneral:Invalid arguments:pair")
        return [(p.key, p) for p in PAIRS.values()]
    out: list[tuple[str, Pair]] = []
    for name in text.split(","):
        pair = rest_pair(name)
        if pair is None:
            raise ApiError("EQuery:Unknown asset pair")
        out.append((pair.symbol if "/" in name else pair.key, pair))
    return out


def one_pair(params: Params) -> tuple[str, Pair]:
    """Resolve a single ``pair``."""
    return pairs_param(params)[0]


def time_(sb: Sandbox, params: Params) -> object:
    """Server time. https://docs.kraken.com/api/docs/rest-api/get-server-time"""
    unix = sb.server_now() // NS
    return {"unixtime": unix, "rfc1123": rfc1123_kraken(unix)}


def system_status(sb: Sandbox, params: Params) -> object:
    """System status. https://docs.kraken.com/api/docs/rest-api/get-system-status"""
    return {"status": sb.faults.system_status, "timestamp": rfc3339_seconds(sb.server_now() // NS)}


def assets(sb: Sandbox, params: Params) -> object:
    """Asset info. https://docs.kraken.com/api/docs/rest-api/get-asset-info"""
    wanted = [a for a in params.get("asset", "").split(",") if a]
    if not wanted:
        return {k: asset_json(a) for k, a in ASSETS.items()}
    out: dict[str, object] = {}
    for name in wanted:
        found = [a for a in ASSETS.values() if name.upper() in (a.id, a.altname)]
        if not found:
            raise ApiError("EQuery:Unknown asset")
        out[found[0].id] = asset_json(found[0])
    return out


def asset_pairs(sb: Sandbox, params: Params) -> object:
    """Tradable pairs. https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs"""
    info = params.get("info", "info")
    if info not in ("info", "leverage", "fees", "margin"):
        raise ApiError("EGeneral:Invalid arguments:info")
    return {key: pair_json(p, info) for key, p in pairs_param(params, required=False)}


def ticker(sb: Sandbox, params: Params) -> object:
    """Ticker. https://docs.kraken.com/api/docs/rest-api/get-ticker-information"""
    now = sb.now()
    today = sb.server_now() // (86400 * NS) * 86400 * NS
    out: dict[str, object] = {}
    for key, pair in pairs_param(params, required=False):
        tape, book = sb.tapes[pair.key], sb.books[pair.key]
        day, full = stats(tape, today, now), stats(tape, now - 86400 * NS, now)
        ld = pair.lot_decimals
        ask, bid = book.top("a", 1)[0], book.top("b", 1)[0]

        def side(level: tuple[int, int], p: Pair = pair) -> list[str]:
            qty = Decimal(level[1]) / 10**p.lot_decimals
            return [padded(p, level[0]), str(max(1, int(qty))), f"{qty:.3f}"]

        out[key] = {
            "a": side(ask),
            "b": side(bid),
            "c": [padded(pair, full.last), units_text(full.last_volume, ld)],
            "v": [units_text(day.volume, ld), units_text(full.volume, ld)],
            "p": [
                _vwap_text(pair, day.pv, day.volume, day.last),
                _vwap_text(pair, full.pv, full.volume, full.last),
            ],
            "t": [day.count, full.count],
            "l": [padded(pair, day.low), padded(pair, full.low)],
            "h": [padded(pair, day.high), padded(pair, full.high)],
            "o": padded(pair, day.open),
        }
    return out


def _vwap(pv: int, volume: int, last: int) -> Decimal:
    return Decimal(pv) / Decimal(volume) if volume else Decimal(last)


def _vwap_text(pair: Pair, pv: int, volume: int, last: int) -> str:
    decimals = max(pair.pair_decimals, 5)
    value = _vwap(pv, volume, last) / Decimal(10**pair.pair_decimals)
    return f"{value:.{decimals}f}"


def ohlc_(sb: Sandbox, params: Params) -> object:
    """OHLC candles. https://docs.kraken.com/api/docs/rest-api/get-ohlc-data"""
    key, pair = one_pair(params)
    interval = _int_param(params, "interval", 1)
    if interval not in INTERVALS:
        raise ApiError("EGeneral:Invalid arguments:interval")
    since = _int_param(params, "since", None)
    tape = sb.tapes[pair.key]
    candles, last = ohlc(tape, interval, since, sb.now())
    return {key: [candle_row(tape, c) for c in candles], "last": last}


def depth(sb: Sandbox, params: Params) -> object:
    """Order book. https://docs.kraken.com/api/docs/rest-api/get-order-book"""
    key, pair = one_pair(params)
    count = _int_param(params, "count", 100) or 100
    if not 1 <= count <= 500:
        raise ApiError("EGeneral:Invalid arguments:count")
    book = sb.books[pair.key]
    ld = pair.lot_decimals

    def rows(side: str) -> list[list[object]]:
        stamps = (book.asks if side == "a" else book.bids).stamp
        return [[padded(pair, p), units_text(q, ld), stamps[p]] for p, q in book.top(side, count)]

    return {key: {"asks": rows("a"), "bids": rows("b")}}


def trades(sb: Sandbox, params: Params) -> object:
    """Recent trades. https://docs.kraken.com/api/docs/rest-api/get-recent-trades

    ``since`` below 10**12 is unix seconds (inclusive), otherwise a nanosecond cursor
    (exclusive), so both CCXT-style seconds and the ``last`` cursor work.
    """
    key, pair = one_pair(params)
    count = _int_param(params, "count", MAX_TRADES) or MAX_TRADES
    count = max(1, min(count, MAX_TRADES))
    since_text = params.get("since")
    since: int | None = None
    if since_text:
        try:
            value = Decimal(since_text)
        except ArithmeticError:
            raise ApiError("EGeneral:Invalid arguments:since") from None
        if not value.is_finite():
            raise ApiError("EGeneral:Invalid arguments:since")
        # below 10**12 it cannot be a ns cursor: unix seconds, inclusive (hence the -1)
        since = int(value * NS) - 1 if value < 10**12 else int(value)
    tape = sb.tapes[pair.key]
    page, last = tape.page(since, count, sb.now())
    ld = pair.lot_decimals
    rows = [
        [
            padded(pair, t.price),
            units_text(t.volume, ld),
            time4(t.ns),
            t.side,
            t.otype,
            "",
            t.trade_id,
        ]
        for t in page
    ]
    return {key: rows, "last": str(last)}


def spread(sb: Sandbox, params: Params) -> object:
    """Recent spreads. https://docs.kraken.com/api/docs/rest-api/get-recent-spreads"""
    key, pair = one_pair(params)
    since = _int_param(params, "since", 0) or 0
    rows = [
        [t, padded(pair, bid), padded(pair, ask)]
        for t, bid, ask in sb.spreads[pair.key]
        if t > since
    ]
    last = rows[-1][0] if rows else since
    return {key: rows, "last": last}


PUBLIC: dict[str, Callable[[Sandbox, Params], object]] = {
    "Time": time_,
    "SystemStatus": system_status,
    "Assets": assets,
    "AssetPairs": asset_pairs,
    "Ticker": ticker,
    "OHLC": ohlc_,
    "Depth": depth,
    "Trades": trades,
    "Spread": spread,
}
