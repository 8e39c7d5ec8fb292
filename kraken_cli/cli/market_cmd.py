"""Public market-data commands: status, symbols, assets, ticker, orderbook, trades, candles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli.common import emit, emit_object, get_settings, get_state
from kraken_cli.cli.markets import (
    FUTURES,
    MARGIN,
    MarketOption,
    debug_log,
    futures_session,
    pick_market,
)
from kraken_cli.errors import UsageError
from kraken_cli.output.columns import BOOK_LEVEL as BOOK_COLUMNS
from kraken_cli.output.columns import CANDLE as CANDLE_COLUMNS
from kraken_cli.output.columns import FUTURES_TICKER_EXTRA
from kraken_cli.output.columns import TICKER as TICKER_COLUMNS
from kraken_cli.output.columns import TRADE as TRADE_COLUMNS

if TYPE_CHECKING:
    from kraken_cli.services.market.spot import MarketService


@contextmanager
def market_service(ctx: typer.Context) -> Iterator[MarketService]:
    """Yield a MarketService for this invocation's settings, logging requests with --debug."""
    from kraken_cli.services.market.spot import MarketService

    service = MarketService.from_settings(get_settings(ctx), debug_log=debug_log(ctx))
    try:
        yield service
    finally:
        service.close()


def status(ctx: typer.Context) -> None:
    """Show Kraken's system status, server time and the local clock skew.

    The skew is round-trip corrected (best of 3 probes); positive means the local clock is ahead.

    Example: krx status
    """
    with market_service(ctx) as svc:
        emit([svc.status().to_record()], ctx=ctx)


def symbols(
    ctx: typer.Context,
    quote: Annotated[str | None, typer.Option(help="Only pairs quoted in this asset.")] = None,
    market: MarketOption = None,
) -> None:
    """List tradable pairs with their precision and order minimums.

    --market margin lists the spot pairs that can be traded with leverage; --market futures
    lists Kraken Futures contracts (PF_XBTUSD perpetuals, FF_/FI_ fixed maturities).

    \b
    Examples:
      krx symbols --quote USD
      krx symbols --market futures --quote USD
    """
    chosen = pick_market(ctx, market)
    if chosen == FUTURES:
        from kraken_cli.services.market import futures as fm

        with futures_session(ctx) as fc:
            emit(fm.symbols(fc, quote=quote), ctx=ctx)
        return
    margin_only = chosen == MARGIN
    with market_service(ctx) as svc:
        rows = [p.to_record() for p in svc.symbols(quote) if not margin_only or p.marginable]
    emit(rows, ctx=ctx)


def assets(ctx: typer.Context) -> None:
    """List assets: canonical code (BTC, not XBT), Kraken id, altname and precision.

    Example: krx assets --format csv
    """
    with market_service(ctx) as svc:
        rows = [a.to_record() for a in svc.assets()]
    emit(rows, ctx=ctx)


def ticker(
    ctx: typer.Context,
    symbol: Annotated[list[str], typer.Argument(help="One or more symbols, e.g. BTCUSDT ETH/USD.")],
    market: MarketOption = None,
) -> None:
    """Show bid, ask, last and 24-hour figures for one or more symbols (one request).

    Futures rows add mark/index price, funding rate and open interest.

    \b
    Examples:
      krx ticker BTCUSDT ETH/USD
      krx ticker PF_XBTUSD PF_ETHUSD --market futures
    """
    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.market import futures as fm

        with futures_session(ctx) as fc:
            emit(fm.ticker(fc, symbol), (*TICKER_COLUMNS, *FUTURES_TICKER_EXTRA), ctx=ctx)
        return
    with market_service(ctx) as svc:
        rows = [t.to_record() for t in svc.ticker(symbol)]
    emit(rows, TICKER_COLUMNS, ctx=ctx)


def orderbook(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    depth: Annotated[int, typer.Option(help="Levels per side (1..500).")] = 10,
    market: MarketOption = None,
) -> None:
    """Show the order book: one row per level (bids, then asks).

    With --format json: {"symbol", "bids": [[price, volume], ...], "asks": [...], "checksum"},
    where checksum is Kraken's CRC32 of the top 10 levels at the pair's precision (futures
    books carry no checksum: null).

    \b
    Examples:
      krx orderbook BTCUSD --depth 5 --format json
      krx orderbook PF_XBTUSD --market futures --depth 5
    """
    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.market import futures as fm

        with futures_session(ctx) as fc:
            fbook = fm.orderbook(fc, symbol, depth)
        if get_state(ctx).format == "json":
            emit_object(fbook, ctx=ctx)
        else:
            emit(fm.orderbook_rows(fbook), BOOK_COLUMNS, ctx=ctx)
        return
    with market_service(ctx) as svc:
        book = svc.orderbook(symbol, depth)
    if get_state(ctx).format == "json":
        emit_object(book.to_object(), ctx=ctx)
    else:
        emit(book.level_records(), BOOK_COLUMNS, ctx=ctx)


def trades(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    since: Annotated[str | None, typer.Option(help="Start: ISO-8601, unix s, or 2h/7d.")] = None,
    until: Annotated[str | None, typer.Option(help="End (exclusive), same forms.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most N trades.")] = None,
    market: MarketOption = None,
) -> None:
    """Show public trades: the latest ones, or every trade from --since (paged, gapless).

    \b
    Examples:
      krx trades BTCUSDT --since 30m --limit 500
      krx trades PF_XBTUSD --market futures --limit 20
    """
    from kraken_cli.models.times import time_window

    start, end = time_window(since, until)
    if limit is not None and limit <= 0:
        raise UsageError("--limit must be positive")
    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.market import futures as fm

        with futures_session(ctx) as fc:
            rows = fm.trades(fc, symbol, since=start, until=end, limit=limit)
        emit(rows, TRADE_COLUMNS, ctx=ctx)
        return
    with market_service(ctx) as svc:
        records = (t.to_record() for t in svc.trades(symbol, start, end, limit))
        emit(records, TRADE_COLUMNS, ctx=ctx)


def candles(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    interval: Annotated[
        str, typer.Argument(help="min1 min5 min15 min30 h1 h4 day week, 60, 1h...")
    ],
    days: Annotated[float | None, typer.Option(help="The last N days.")] = None,
    since: Annotated[str | None, typer.Option(help="Start: ISO-8601, unix s, or 2h/7d.")] = None,
    until: Annotated[str | None, typer.Option(help="End (exclusive), same forms.")] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Include the still-forming last candle.")
    ] = False,
    fill: Annotated[
        bool,
        typer.Option(
            "--fill",
            help="Spot: add a flat candle (previous close, volume 0, count 0) for each "
            "interval without trades; by default they are omitted, like Kraken does.",
        ),
    ] = False,
    market: MarketOption = None,
    tick_type: Annotated[
        str, typer.Option("--tick-type", help="Futures only: trade | mark | spot prices.")
    ] = "trade",
) -> None:
    """Show OHLC candles. The still-forming last candle is left out unless --partial.

    Without --days/--since: the whole OHLC window (up to 720 candles); for futures, the last
    day. Futures candles come from the charts API (any range it serves; h2 and month are
    aggregated) and have no vwap/count.

    Intervals without trades have no candle (as in Kraken's OHLC); --fill adds a flat one at
    the previous close (open = high = low = close = vwap, volume 0, count 0).

    \b
    Examples:
      krx candles BTCUSDT h1 --days 7
      krx candles DOGEUSD min1 --since 2h --fill
      krx candles PF_XBTUSD h1 --days 2 --market futures --tick-type mark
    """
    from kraken_cli.models.intervals import parse_interval
    from kraken_cli.models.times import time_window, utc_now

    chosen = pick_market(ctx, market)
    now = utc_now()
    start, end = time_window(since, until, days=days, now=now)
    parsed = parse_interval(interval)
    if chosen == FUTURES and fill:
        raise UsageError("--fill applies to spot candles", hint="drop --fill for futures")
    if chosen == FUTURES:
        from kraken_cli.services.market import futures as fm

        with futures_session(ctx) as fc:
            frows = fm.candles(fc, symbol, parsed, since=start, until=end, tick_type=tick_type)
        if not partial:
            frows = fm.drop_forming(frows, parsed, now)
        emit(frows, CANDLE_COLUMNS, ctx=ctx)
        return
    with market_service(ctx) as svc:
        rows = svc.get_candles(symbol, parsed, start, end, partial=partial, fill=fill)
        emit((c.to_record() for c in rows), CANDLE_COLUMNS, ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add the market-data commands to ``app``."""
    for command in (status, symbols, assets, ticker, orderbook, trades, candles):
        app.command()(command)
