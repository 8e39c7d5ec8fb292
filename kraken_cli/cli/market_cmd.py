"""Public market-data commands: status, symbols, assets, ticker, orderbook, trades, candles."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli.common import emit, emit_object, get_state
from kraken_cli.errors import UsageError

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.market import MarketService

TICKER_COLUMNS = ("symbol", "bid", "ask", "last", "volume_24h", "vwap_24h", "low_24h", "high_24h")
TRADE_COLUMNS = ("symbol", "trade_id", "time", "price", "volume", "side", "ord_type")
CANDLE_COLUMNS = ("symbol", "time", "open", "high", "low", "close", "vwap", "volume", "count")
BOOK_COLUMNS = ("symbol", "side", "price", "volume")


def _settings(ctx: typer.Context) -> Settings:
    from kraken_cli.cli.common import get_settings

    try:
        return get_settings(ctx)
    except ModuleNotFoundError as exc:
        # Until the config loader lands, public commands only need endpoints from the env.
        if "kraken_cli.config.loader" not in str(exc):
            raise
        from kraken_cli.config.settings import Endpoints, Settings

        return Settings(endpoints=Endpoints.from_env())


@contextmanager
def market_service(ctx: typer.Context) -> Iterator[MarketService]:
    """Yield a MarketService for this invocation's settings, logging requests with --debug."""
    from kraken_cli.services.market import MarketService

    state = get_state(ctx)

    def debug(line: str) -> None:
        sys.stderr.write(f"krx: debug: {line}\n")

    service = MarketService.from_settings(_settings(ctx), debug_log=debug if state.debug else None)
    try:
        yield service
    finally:
        service.close()


def _spot_only(market: str) -> None:
    if market.lower() != "spot":
        raise UsageError(
            f"market {market!r} is not supported by this command yet", hint="use --market spot"
        )


def _time(text: str | None, now: datetime) -> datetime | None:
    from kraken_cli.models.times import parse_time

    return parse_time(text, now) if text else None


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
    market: Annotated[str, typer.Option(help="spot (futures comes later).")] = "spot",
) -> None:
    """List tradable pairs with their precision and order minimums.

    Example: krx symbols --quote USD
    """
    _spot_only(market)
    with market_service(ctx) as svc:
        rows = [
            {
                "symbol": p.symbol,
                "key": p.key,
                "altname": p.altname,
                "wsname": p.wsname,
                "base": p.base,
                "quote": p.quote,
                "pair_decimals": p.pair_decimals,
                "lot_decimals": p.lot_decimals,
                "cost_decimals": p.cost_decimals,
                "tick_size": p.tick_size,
                "ordermin": p.ordermin,
                "costmin": p.costmin,
                "max_leverage": max(p.leverage_buy, default=None),
                "status": p.status,
            }
            for p in svc.symbols(quote)
        ]
    emit(rows, ctx=ctx)


def assets(ctx: typer.Context) -> None:
    """List assets: canonical code (BTC, not XBT), Kraken id, altname and precision.

    Example: krx assets --format csv
    """
    with market_service(ctx) as svc:
        rows = [
            {
                "asset": a.code,
                "id": a.id,
                "altname": a.altname,
                "decimals": a.decimals,
                "display_decimals": a.display_decimals,
                "aclass": a.aclass,
                "status": a.status,
            }
            for a in svc.assets()
        ]
    emit(rows, ctx=ctx)


def ticker(
    ctx: typer.Context,
    symbol: Annotated[list[str], typer.Argument(help="One or more symbols, e.g. BTCUSDT ETH/USD.")],
) -> None:
    """Show bid, ask, last and 24-hour figures for one or more symbols (one request).

    Example: krx ticker BTCUSDT ETH/USD
    """
    with market_service(ctx) as svc:
        rows = [t.to_record() for t in svc.ticker(symbol)]
    emit(rows, TICKER_COLUMNS, ctx=ctx)


def orderbook(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    depth: Annotated[int, typer.Option(help="Levels per side (1..500).")] = 10,
) -> None:
    """Show the order book: one row per level (bids, then asks).

    With --format json: {"symbol", "bids": [[price, volume], ...], "asks": [...], "checksum"},
    where checksum is Kraken's CRC32 of the top 10 levels at the pair's precision.

    Example: krx orderbook BTCUSD --depth 5 --format json
    """
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
) -> None:
    """Show public trades: the latest ones, or every trade from --since (paged, gapless).

    Example: krx trades BTCUSDT --since 30m --limit 500
    """
    from kraken_cli.models.times import utc_now

    now = utc_now()
    with market_service(ctx) as svc:
        records = (
            t.to_record() for t in svc.trades(symbol, _time(since, now), _time(until, now), limit)
        )
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
    market: Annotated[str, typer.Option(help="spot (futures comes later).")] = "spot",
) -> None:
    """Show OHLC candles. The still-forming last candle is left out unless --partial.

    Without --days/--since: the whole OHLC window (up to 720 candles).

    Example: krx candles BTCUSDT h1 --days 7
    """
    from kraken_cli.models.intervals import parse_interval
    from kraken_cli.models.times import utc_now

    _spot_only(market)
    if days is not None and since is not None:
        raise UsageError("give --days or --since, not both")
    if days is not None and days <= 0:
        raise UsageError("--days must be positive")
    parsed = parse_interval(interval)
    now = utc_now()
    start = now - timedelta(days=days) if days is not None else _time(since, now)
    with market_service(ctx) as svc:
        rows = svc.get_candles(symbol, parsed, start, _time(until, now), partial=partial)
        emit((c.to_record() for c in rows), CANDLE_COLUMNS, ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add the market-data commands to ``app``."""
    for command in (status, symbols, assets, ticker, orderbook, trades, candles):
        app.command()(command)
