"""Market-data routes: candles, trades, order book, symbols (SPEC.md § "krx serve").

Handlers parse the path and query, call :class:`~kraken_cli.serve.sources.Sources` and return
JSON; they are plain ``def`` functions, so FastAPI runs them in its thread pool and a slow
Kraken download never blocks the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from kraken_cli.errors import UsageError
from kraken_cli.models.intervals import PLATFORM_NAMES, parse_interval
from kraken_cli.models.segment import Market, parse_market
from kraken_cli.models.times import iso_utc
from kraken_cli.serve import queries
from kraken_cli.serve.cache import Answer, url_key
from kraken_cli.serve.live import LiveState
from kraken_cli.serve.merge import Record, merge_candles, merge_trades
from kraken_cli.serve.schemas import (
    CANDLES_RESPONSES,
    ORDERBOOK_RESPONSES,
    SYMBOLS_RESPONSES,
    TRADES_RESPONSES,
)
from kraken_cli.serve.state import ServeState, state_of

router = APIRouter(prefix="/api")
fast = APIRouter(prefix="/api")
#: Documented forms (the parsers also accept other cases and spellings, as the CLI does).
MarketPath = Annotated[
    str, Path(description="spot | margin | futures", json_schema_extra={"enum": list(Market)})
]
SymbolPath = Annotated[str, Path(description="BTCUSDT, BTC/USDT, XBTUSDT, PF_XBTUSD ...")]
IntervalPath = Annotated[
    str,
    Path(
        description="min1 min5 min15 min30 h1 h2 h4 day week month (or 1 5 ... / 1m 1h 1d)",
        json_schema_extra={"enum": [*PLATFORM_NAMES, "1m", "5m", "15m", "30m", "1h", "4h"]},
    ),
]
# Bounds and forms below are documented in the OpenAPI description; krx's own parsers check
# them, so a 400 names the accepted forms (FastAPI's message would quote a regular expression).
From = Annotated[str | None, Query(alias="from", description=queries.ACCEPTED_TIMES)]
To = Annotated[str | None, Query(alias="to", description=queries.ACCEPTED_TIMES)]
Limit = Annotated[
    int | None,
    Query(description="1..1000 (default 100).", json_schema_extra={"minimum": 1, "maximum": 1000}),
]
Order = Annotated[
    str | None,
    Query(description="asc | desc (default desc).", json_schema_extra={"enum": ["asc", "desc"]}),
]


def _json(data: Any) -> JSONResponse:
    return JSONResponse(data)


CANDLES_ROUTE = "/api/candles/kraken/{market}/{symbol}/{interval}"


@router.get(CANDLES_ROUTE.removeprefix("/api"), responses=CANDLES_RESPONSES)
async def candles(
    request: Request,
    market: MarketPath,
    symbol: SymbolPath,
    interval: IntervalPath,
    days: Annotated[
        float | None,
        Query(
            description="The last N days (default 7; min1: 6h).",
            json_schema_extra={"exclusiveMinimum": 0, "maximum": queries.MAX_DAYS},
        ),
    ] = None,
    start: From = None,
    end: To = None,
    partial: Annotated[bool, Query(description="Include the still-forming candle.")] = False,
) -> Response:
    """Candles of any range, ascending; beyond Kraken's 720 rows from the history store.

    Async so that a cached answer costs no thread hand-off; downloads run in the pool.
    """
    state = state_of(request)
    segment, parsed = parse_market(market), parse_interval(interval)
    now = datetime.now(UTC)
    window = queries.candle_window(parsed, days=days, start=start, end=end, now=now)
    first, last = window
    period, ttl = queries.candle_period(
        parsed, window, open_ended=end is None, partial=partial, now=now
    )
    key = ("candles", segment, symbol.strip().upper(), parsed.name, period, partial)
    minutes = parsed.seconds // 60
    own_url = url_key(request.url.path, request.scope["query_string"])

    def answer() -> Answer:
        rows = merge_candles(
            state.sources.candles(segment, symbol, parsed, first, last, partial=partial),
            _live(state, segment, symbol, lambda live, name: live.recent_candles(name, minutes)),
            start=first,
            end=last,
            interval_s=parsed.seconds,
            closed_before=None if partial else now,
        )
        for row in rows:
            opened = datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
            row["ts"] = int(opened.timestamp()) * 1000
            row["interval"] = parsed.name
        done = Answer(json.dumps(rows, separators=(",", ":")).encode(), CANDLES_ROUTE)
        state.answers.put((key, own_url), done, ttl)
        return done

    found = state.answers.get(key)
    if found is None:  # a miss downloads in a worker thread; identical misses share it
        found = await run_in_threadpool(state.flight.run, key, answer)
    else:
        state.answers.put((own_url,), found, ttl)
    assert found is not None
    body = found.body
    return Response(body, media_type="application/json")


@router.get("/trades/kraken/{market}/{symbol}", responses=TRADES_RESPONSES)
def trades(
    request: Request,
    market: MarketPath,
    symbol: SymbolPath,
    start: From = None,
    end: To = None,
    limit: Limit = None,
    order: Order = None,
) -> JSONResponse:
    """Public trades: the latest, or those from ``from``; ``{"data": [...]}``."""
    state = state_of(request)
    return _json(_trades(state, market, symbol, start, end, limit, order))


@router.get("/trades", responses=TRADES_RESPONSES)
def trades_by_query(
    request: Request,
    symbol: Annotated[str, Query(description="BTCUSDT, BTC/USDT, PF_XBTUSD ...")],
    connector_type: Annotated[
        str, Query(alias="connectorType", json_schema_extra={"enum": ["kraken"]})
    ] = "kraken",
    market_type: Annotated[
        str, Query(alias="marketType", json_schema_extra={"enum": list(Market)})
    ] = "spot",
    start: From = None,
    end: To = None,
    limit: Limit = None,
    order: Order = None,
) -> JSONResponse:
    """The same trades, addressed by query parameters (the platform's other form)."""
    state = state_of(request)
    if connector_type.strip().lower() != "kraken":
        from kraken_cli.errors import UsageError

        raise UsageError(
            f"connectorType {connector_type!r} is not served here", hint="connectorType=kraken"
        )
    return _json(_trades(state, market_type, symbol, start, end, limit, order))


def _trades(
    state: ServeState,
    market: str,
    symbol: str,
    start: str | None,
    end: str | None,
    limit: int | None,
    order: str | None,
) -> dict[str, Any]:
    segment, count = parse_market(market), queries.trades_limit(limit)
    descending = queries.sort_order(order)
    first, last = queries.trades_window(start, end)
    rows = merge_trades(
        state.sources.trades(segment, symbol, first, last, count),
        _live(state, segment, symbol, LiveState.recent_trades),
        start=first,
        end=last,
        limit=count,
    )
    return {"data": rows[::-1] if descending else rows}


def _live(
    state: ServeState,
    segment: Market,
    symbol: str,
    read: Callable[[LiveState, str], list[Record]],
) -> list[Record]:
    """Return what the config's subscriptions have seen of a spot symbol (empty without)."""
    if state.live is None or segment is Market.FUTURES:
        return []
    return read(state.live, state.sources.canonical(symbol))


@router.get("/orderbook/kraken/{market}/{symbol}", responses=ORDERBOOK_RESPONSES)
def orderbook(
    request: Request,
    market: MarketPath,
    symbol: SymbolPath,
    depth: Annotated[
        int,
        Query(
            description="Levels per side, 1..500.",
            json_schema_extra={"minimum": 1, "maximum": 500},
        ),
    ] = 10,
) -> JSONResponse:
    """The order book: the live checksum-verified one when subscribed, else a REST snapshot."""
    state, segment = state_of(request), parse_market(market)
    if not 1 <= depth <= 500:
        raise UsageError(f"depth must be 1..500, got {depth}", hint="depth=10")
    live = _live_book(state, segment, symbol)
    book = live or state.sources.orderbook(segment, symbol, depth)

    def levels(side: list[list[str]]) -> list[dict[str, str]]:
        return [{"price": price, "volume": volume} for price, volume in side[:depth]]

    return _json(
        {
            "symbol": book["symbol"],
            "time": book.get("time") or iso_utc(datetime.now(UTC)),
            "bids": levels(book["bids"]),
            "asks": levels(book["asks"]),
            "checksum": book["checksum"],
            "source": "stream" if live else "rest",
        }
    )


def _live_book(state: ServeState, segment: Market, symbol: str) -> dict[str, Any] | None:
    """Return the subscribed, verified, fresh book of a spot symbol, or None."""
    if state.live is None or segment is Market.FUTURES:
        return None
    book = state.live.book(state.sources.canonical(symbol))
    return dict(book) if book is not None else None


@router.get("/symbols/kraken/{market}", responses=SYMBOLS_RESPONSES)
def symbols(request: Request, market: MarketPath) -> JSONResponse:
    """Tradable symbols of a segment in the platform's form."""
    state = state_of(request)
    return _json(state.sources.symbols(parse_market(market)))
