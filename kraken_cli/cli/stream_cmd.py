"""``krx stream``: live WebSocket v2 data as JSON lines, verified and gapless."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kraken_cli.cli import validate
from kraken_cli.cli.common import get_settings
from kraken_cli.cli.markets import FUTURES, MarketOption, pick_market

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.stream.records import StreamPair


def register(app: typer.Typer) -> None:
    """Add the ``stream`` command."""
    app.command("stream")(stream)


def stream(
    ctx: typer.Context,
    channel: Annotated[
        str | None,
        typer.Argument(
            help="trades | ticker | candles | book | instrument | executions | balances "
            "(none: the config's active subscriptions).",
            show_default=False,
        ),
    ] = None,
    symbols: Annotated[
        list[str] | None,
        typer.Argument(help="Symbols: BTCUSDT, BTC/USD, XBTUSD ...", show_default=False),
    ] = None,
    interval: Annotated[
        str | None, typer.Option("--interval", "-i", help="Candle interval (min1 .. week).")
    ] = None,
    depth: Annotated[int, typer.Option(help="Book depth: 10, 25, 100, 500 or 1000.")] = 10,
    levels: Annotated[
        int | None, typer.Option(help="Write only the top N levels of each book side.")
    ] = None,
    updates: Annotated[
        bool, typer.Option("--updates", help="Book: write only the changed levels.")
    ] = False,
    count: Annotated[int | None, typer.Option(help="Stop after N records.")] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after SECONDS.", callback=validate.seconds)
    ] = None,
    events: Annotated[
        bool,
        typer.Option("--events", help="Write reconnect/backfill/resync events to stdout too."),
    ] = False,
    watchdog: Annotated[
        float,
        typer.Option(
            help="Seconds without any message before reconnecting.", callback=validate.watchdog
        ),
    ] = 5.0,
    connect_budget: Annotated[
        int,
        typer.Option(
            min=1,
            help="Most connections per 10 minutes; past it krx waits (Kraken's Cloudflare "
            "bans an IP for 10 minutes past ~150).",
        ),
    ] = 100,
    market: MarketOption = None,
) -> None:
    """Stream live data as one JSON object per line (flushed per line).

    \b
    Examples:
      krx stream trades BTCUSDT | jq .price
      krx stream book BTC/USD ETH/USD --depth 100 --levels 5
      krx stream candles BTCUSDT --interval min5 --count 10
      krx stream executions
      krx stream trades PF_XBTUSD --market futures --count 5
      krx stream book PF_XBTUSD --market futures --depth 10   # seq-checked
      krx stream                     # the config's active subscriptions
    """
    if channel is not None and pick_market(ctx, market) == FUTURES:
        _futures_stream(
            ctx, channel, symbols or [], depth, levels, count, duration, events, watchdog
        )
        return
    from kraken_cli.services.stream.engine import StreamDeps, StreamOptions, StreamService
    from kraken_cli.services.stream.setup import requests_for, requests_from_config

    settings = get_settings(ctx)
    market_svc = _market(settings)
    try:
        resolve = _resolver(market_svc)
        if channel is None:
            requests = requests_from_config(settings.subscriptions, resolve=resolve, depth=depth)
        else:
            requests = requests_for(
                channel, symbols or [], resolve=resolve, interval=interval, depth=depth
            )
        deps = StreamDeps(
            ws_url=settings.endpoints.ws_url, ws_auth_url=settings.endpoints.ws_auth_url
        )
        if market_svc is not None:
            from kraken_cli.services.stream.setup import rest_fetchers

            deps.fetch_trades, deps.fetch_ohlc = rest_fetchers(market_svc.api)
        if any(r.channel in ("executions", "balances") for r in requests):
            deps.fetch_token = _token_fetcher(settings)
        options = StreamOptions(
            levels=levels,
            updates=updates,
            count=count,
            duration_s=duration,
            watchdog_s=watchdog,
            tick_s=min(1.0, watchdog),
            window_connects=connect_budget,
        )
        write, on_event = _writers(events)
        StreamService(requests, deps, options, write, on_event).run()
    finally:
        if market_svc is not None:
            market_svc.close()


def _futures_stream(
    ctx: typer.Context,
    channel: str,
    symbols: list[str],
    depth: int,
    levels: int | None,
    count: int | None,
    duration: float | None,
    events: bool,
    watchdog: float,
) -> None:
    """Stream a Kraken Futures feed (trades, ticker, book with its ``seq`` checked)."""
    import time

    from kraken_cli.services.stream.futures import stream as futures_stream

    settings = get_settings(ctx)
    write, on_event = _writers(events)
    deadline = None if duration is None else time.monotonic() + duration
    records = futures_stream(
        settings,
        channel,
        symbols,
        depth=depth,
        count=count,
        on_event=on_event,
        watchdog_s=watchdog,
    )
    try:
        for record in records:
            if levels is not None and "bids" in record:
                record = record | {"bids": record["bids"][:levels], "asks": record["asks"][:levels]}
            write(record)
            if deadline is not None and time.monotonic() >= deadline:
                break
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


def _writers(events_to_stdout: bool) -> tuple[Any, Any]:
    """Return (write record, write event): one JSON line per record, written and flushed at once.

    Lines go straight to stdout's file descriptor, one ``os.write`` each (no TextIOWrapper
    buffering to flush); a reader that left raises BrokenPipeError as before.
    """
    from kraken_cli.services.stream.lines import LineEncoder

    line_of = LineEncoder()
    encode = line_of.encode
    out = sys.stdout
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1  # a captured stdout (tests): no descriptor
    if fd >= 0:
        out.flush()  # anything buffered before must come first
    os_write = os.write

    def write_record(record: dict[str, Any]) -> None:
        data = line_of(record).encode()
        if fd < 0:
            out.write(data.decode())
            out.flush()
            return
        try:
            done = os_write(fd, data)
        except BlockingIOError:
            done = 0  # a non-blocking stdout whose pipe is full
        if done != len(data):
            _write_rest(fd, data, done)

    def write_event(event: dict[str, Any]) -> None:
        if events_to_stdout:
            write_record(event)
        else:
            sys.stderr.write(f"krx: event: {encode(event)}\n")
            sys.stderr.flush()

    return write_record, write_event


def _write_rest(fd: int, data: bytes, done: int) -> None:
    """Write ``data[done:]``: finish a partial write, waiting while a non-blocking fd is full."""
    import select

    view = memoryview(data)
    while done < len(data):
        try:
            done += os.write(fd, view[done:])
        except BlockingIOError:
            select.select([], [fd], [])


def _market(settings: Settings) -> Any:
    from kraken_cli.services.market.spot import MarketService

    return MarketService.from_settings(settings)


def _resolver(market: Any) -> Any:
    from kraken_cli.services.stream.setup import stream_pair

    def resolve(texts: list[str]) -> list[StreamPair]:
        return [stream_pair(p) for p in market.resolver.resolve_many(texts)]

    return resolve


def _token_fetcher(settings: Settings) -> Any:
    from kraken_cli.errors import AuthError

    if settings.spot is None:
        raise AuthError(
            "private channels need spot API credentials",
            hint="set KRAKEN_API_KEY / KRAKEN_API_SECRET or a config file; see `krx verify`",
        )
    from kraken_cli.services.stream.setup import private_token_fetcher

    return private_token_fetcher(settings)
