"""Futures market data as SPEC records: symbols, ticker, orderbook, trades, candles.

Every record carries ``symbol`` as the futures symbol (``PF_XBTUSD``). Prices are the exact
wire text (the client parses JSON numbers with ``parse_float=str``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Settings
from kraken_cli.errors import BadIntervalError, UsageError
from kraken_cli.models.futures import (
    FuturesIndex,
    FuturesInstrument,
    is_futures_symbol,
    iso_ms,
    iso_wire,
    ms_from_iso,
    num,
    unknown_futures_symbol,
    wire_symbol,
)
from kraken_cli.models.intervals import MONTH, Interval, parse_interval

#: Interval minutes -> charts resolution served natively.
NATIVE = {1: "1m", 5: "5m", 15: "15m", 30: "30m", 60: "1h", 240: "4h", 720: "12h"}
NATIVE |= {1440: "1d", 10080: "1w"}
#: Intervals the charts API lacks -> the finer native resolution they are built from.
AGGREGATED = {120: 60, MONTH: 1440}
TICK_TYPES = ("trade", "mark", "spot")
#: Safety cap on chart pages per request range.
MAX_PAGES = 500


def futures_client(
    settings: Settings,
    *,
    debug_log: Any = None,
    transport: Any = None,
    state_dir: Path | None = None,
) -> FuturesRest:
    """Build the futures REST client for ``settings`` (futures credentials only, never spot).

    Private calls draw their nonces from the persisted per-key source of ``client.nonce``
    (futures keys have their own state file), so concurrent krx processes never collide.
    """
    from kraken_cli.client.nonce import NonceSource

    creds = settings.futures
    nonces = None
    if creds is not None and creds.key.strip():
        nonces = NonceSource(creds.key, state_dir / "keys" if state_dir is not None else None)
    return FuturesRest(
        settings.endpoints.futures_url,
        creds,
        timeout=settings.krx.timeout_s,
        transport=transport,
        nonces=nonces,
        debug_log=debug_log,
    )


_INDEX_CACHE: weakref.WeakKeyDictionary[FuturesRest, FuturesIndex] = weakref.WeakKeyDictionary()


def instrument_index(client: FuturesRest) -> FuturesIndex:
    """Return the instruments index (fetched once per client)."""
    index = _INDEX_CACHE.get(client)
    if index is None:
        index = _INDEX_CACHE[client] = FuturesIndex.from_wire(client.instruments())
    return index


def resolve(client: FuturesRest, symbol: str) -> FuturesInstrument:
    """Resolve a user symbol (``BTCUSD``, ``pf_xbtusd``) to a futures instrument."""
    return instrument_index(client).resolve(symbol)


def symbols(
    client: FuturesRest, *, quote: str | None = None, base: str | None = None
) -> list[dict[str, Any]]:
    """Return one record per futures instrument (``krx symbols --market futures``)."""
    return [i.record() for i in instrument_index(client).filter(quote=quote, base=base)]


def ticker(client: FuturesRest, symbols_: Sequence[str]) -> list[dict[str, Any]]:
    """Return ticker records for ``symbols_`` (contracts, or ``in_``/``rr_`` index rows)."""
    rows = {str(t.get("symbol", "")).upper(): t for t in client.tickers()}
    wanted: list[str] = []
    for text in symbols_:
        up = text.strip().upper()
        if up.startswith(("IN_", "RR_")):
            if up not in rows:
                raise unknown_futures_symbol(text, [])
            wanted.append(up)
        else:
            wanted.append(resolve(client, text).symbol)
    out = []
    for sym in wanted:
        raw = rows.get(sym)
        if raw is None:
            raise UsageError(f"Kraken Futures has no ticker for {sym}", hint="is it expired?")
        out.append(ticker_record(raw))
    return out


def ticker_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one ``tickers[]`` row to the SPEC ticker record plus futures extras."""
    return {
        "symbol": wire_symbol(str(raw["symbol"])),
        "bid": num(raw.get("bid")),
        "ask": num(raw.get("ask")),
        "last": num(raw.get("last")),
        "volume_24h": num(raw.get("vol24h")),
        "vwap_24h": num(raw.get("vwap24h")),
        "low_24h": num(raw.get("low24h")),
        "high_24h": num(raw.get("high24h")),
        "open_24h": num(raw.get("open24h")),
        "mark_price": num(raw.get("markPrice")),
        "index_price": num(raw.get("indexPrice")),
        "funding_rate": num(raw.get("fundingRate")),
        "funding_rate_prediction": num(raw.get("fundingRatePrediction")),
        "open_interest": num(raw.get("openInterest")),
        "bid_size": num(raw.get("bidSize")),
        "ask_size": num(raw.get("askSize")),
        "last_time": iso_wire(raw.get("lastTime")),
        "suspended": raw.get("suspended"),
        "tag": raw.get("tag"),
    }


def orderbook(client: FuturesRest, symbol: str, depth: int | None = None) -> dict[str, Any]:
    """Return ``{"symbol", "bids", "asks", "checksum"}`` (futures publishes no checksum)."""
    sym = resolve(client, symbol).symbol
    book = client.orderbook(sym)
    bids = sorted(_levels(book.get("bids")), key=lambda lv: -Decimal(lv[0]))
    asks = sorted(_levels(book.get("asks")), key=lambda lv: Decimal(lv[0]))
    if depth is not None:
        bids, asks = bids[:depth], asks[:depth]
    return {"symbol": sym, "bids": bids, "asks": asks, "checksum": None}


def orderbook_rows(book: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten an orderbook object into ``side, price, volume`` rows (csv/jsonl)."""
    rows = [
        {"symbol": book["symbol"], "side": "bid", "price": p, "volume": v} for p, v in book["bids"]
    ]
    rows += [
        {"symbol": book["symbol"], "side": "ask", "price": p, "volume": v} for p, v in book["asks"]
    ]
    return rows


def _levels(raw: Any) -> list[list[str]]:
    return [[str(level[0]), str(level[1])] for level in raw or []]


def trades(
    client: FuturesRest,
    symbol: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Return public trades, oldest first, paging ``history`` back by ``lastTime`` to ``since``."""
    sym = resolve(client, symbol).symbol
    since_ms = None if since is None else int(since.timestamp() * 1000)
    last_time = None if until is None else iso_ms(int(until.timestamp() * 1000))
    collected: dict[str, dict[str, Any]] = {}
    for _ in range(MAX_PAGES):
        page = client.history(sym, last_time)
        fresh = [t for t in page if _trade_key(t) not in collected]
        for raw in fresh:
            collected[_trade_key(raw)] = raw
        if not fresh or since_ms is None:
            break
        oldest = min(ms_from_iso(str(t["time"])) for t in page)
        if oldest <= since_ms:
            break
        last_time = iso_ms(oldest)
    rows = sorted(collected.values(), key=lambda t: (ms_from_iso(str(t["time"])), _tid(t)))
    if since_ms is not None:
        rows = [t for t in rows if ms_from_iso(str(t["time"])) >= since_ms]
    if until is not None:
        until_ms = int(until.timestamp() * 1000)
        rows = [t for t in rows if ms_from_iso(str(t["time"])) < until_ms]
    records = [trade_record(sym, t) for t in rows]
    return records[-limit:] if limit else records


def _trade_key(raw: dict[str, Any]) -> str:
    return str(raw.get("uid") or f"{raw.get('trade_id')}@{raw.get('time')}")


def _tid(raw: dict[str, Any]) -> int:
    try:
        return int(raw.get("trade_id") or 0)
    except (TypeError, ValueError):
        return 0


def trade_record(symbol: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Map one ``history[]`` entry to the SPEC trade record."""
    kind = str(raw.get("type", "fill"))
    return {
        "symbol": symbol,
        "trade_id": raw.get("trade_id"),
        "time": iso_wire(str(raw["time"])),
        "price": num(raw.get("price")),
        "volume": num(raw.get("size")),
        "side": raw.get("side"),
        "ord_type": "market" if kind == "fill" else kind,
        "uid": raw.get("uid"),
    }


def chart_plan(interval: Interval | str) -> tuple[Interval, str, bool]:
    """Return (interval, native resolution to fetch, whether to aggregate)."""
    iv = parse_interval(interval) if isinstance(interval, str) else interval
    if iv.minutes in NATIVE:
        return iv, NATIVE[iv.minutes], False
    if iv.minutes in AGGREGATED:
        return iv, NATIVE[AGGREGATED[iv.minutes]], True
    raise BadIntervalError(
        f"Kraken Futures charts do not serve {iv.name}",
        hint="use min1 min5 min15 min30 h1 h2 h4 day week month",
    )


def candles(
    client: FuturesRest,
    symbol: str,
    interval: Interval | str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    tick_type: str = "trade",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Return candles over [since, until) from the charts API, paging on ``more_candles``."""
    if tick_type not in TICK_TYPES:
        raise UsageError(f"unknown tick type {tick_type!r}", hint="trade | mark | spot")
    iv, resolution, aggregate = chart_plan(interval)
    sym = symbol.upper() if is_futures_symbol(symbol) else resolve(client, symbol).symbol
    end = until or now or datetime.now(UTC)
    start = since or end - timedelta(days=1)
    if start >= end:
        raise UsageError("--since must be before --until")
    raw = list(_chart_pages(client, tick_type, sym, resolution, start, end))
    rows = [_candle(sym, c) for c in raw]
    if aggregate:
        rows = aggregate_candles(rows, iv)
    lo, hi = int(start.timestamp()), int(end.timestamp())
    if aggregate:
        lo = iv.open_time(lo)
    return [r for r in rows if lo <= _epoch(r["time"]) < hi]


def drop_forming(
    rows: list[dict[str, Any]], interval: Interval, now: datetime
) -> list[dict[str, Any]]:
    """Leave out the still-forming last candle (like spot: it comes only on request)."""
    cutoff = (now - timedelta(seconds=interval.seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [r for r in rows if r["time"] <= cutoff]


def _chart_pages(
    client: FuturesRest, tick_type: str, sym: str, resolution: str, start: datetime, end: datetime
) -> Iterator[dict[str, Any]]:
    step = parse_interval(resolution).seconds
    frm, to = int(start.timestamp()), int(end.timestamp())
    frm -= frm % step
    seen: set[int] = set()
    for _ in range(MAX_PAGES):
        page = client.charts(tick_type, sym, resolution, frm, to)
        got = [c for c in page.get("candles", []) if int(c["time"]) not in seen]
        for c in got:
            seen.add(int(c["time"]))
            yield c
        if not page.get("more_candles") or not got:
            return
        frm = max(int(c["time"]) for c in got) // 1000 + step
        if frm >= to:
            return


def _candle(sym: str, raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "symbol": sym,
        "time": iso_ms(int(raw["time"])).replace(".000Z", "Z"),
        "open": num(raw.get("open")),
        "high": num(raw.get("high")),
        "low": num(raw.get("low")),
        "close": num(raw.get("close")),
        "vwap": None,
        "volume": num(raw.get("volume")),
        "count": None,
    }


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def aggregate_candles(rows: list[dict[str, Any]], iv: Interval) -> list[dict[str, Any]]:
    """Fold finer candles (oldest first) into ``iv`` buckets: first open, max, min, last, sum."""
    out: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda r: r["time"]):
        bucket = iv.open_time(_epoch(row["time"]))
        label = datetime.fromtimestamp(bucket, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if out and out[-1]["time"] == label:
            cur = out[-1]
            cur["high"] = max(cur["high"], row["high"], key=Decimal)
            cur["low"] = min(cur["low"], row["low"], key=Decimal)
            cur["close"] = row["close"]
            cur["volume"] = str(Decimal(cur["volume"]) + Decimal(row["volume"]))
        else:
            out.append(dict(row, time=label))
    return out
