"""``krx stream``: live data, verified and gapless, as JSON lines (or csv / a live table)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli import validate
from kraken_cli.cli.common import get_settings, get_state, stdout_sink
from kraken_cli.cli.complete import complete_interval, complete_symbol
from kraken_cli.cli.markets import MarketOption, pick_market

if TYPE_CHECKING:
    from kraken_cli.output.sink import StdoutSink

ChannelArg = Annotated[
    str | None,
    typer.Argument(
        help="trades | ticker | candles | book | instrument | executions | balances "
        "(none: the config's active subscriptions).",
        show_default=False,
    ),
]
SymbolsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Symbols: BTCUSDT, BTC/USD, XBTUSD ...",
        show_default=False,
        autocompletion=complete_symbol,
    ),
]
IntervalOption = Annotated[
    str | None,
    typer.Option(
        "--interval",
        "-i",
        help="Candle interval (min1 .. week).",
        autocompletion=complete_interval,
    ),
]
DepthOption = Annotated[int, typer.Option(help="Book depth: 10, 25, 100, 500 or 1000.")]
LevelsOption = Annotated[
    int | None, typer.Option(help="Write only the top N levels of each book side.")
]
UpdatesOption = Annotated[
    bool, typer.Option("--updates", help="Book: write only the changed levels.")
]
CountOption = Annotated[int | None, typer.Option(help="Stop after N records.")]
DurationOption = Annotated[
    float | None, typer.Option(help="Stop after SECONDS.", callback=validate.seconds)
]
EventsOption = Annotated[
    bool, typer.Option("--events", help="Write reconnect/backfill/resync events to stdout too.")
]
WatchdogOption = Annotated[
    float,
    typer.Option(
        help="Seconds without any message before reconnecting.", callback=validate.watchdog
    ),
]
BudgetOption = Annotated[
    int,
    typer.Option(
        min=1,
        help="Most connections per 10 minutes; past it krx waits (Kraken's Cloudflare "
        "bans an IP for 10 minutes past ~150).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``stream`` command."""
    app.command("stream")(stream)


def stream(
    ctx: typer.Context,
    channel: ChannelArg = None,
    symbols: SymbolsArg = None,
    interval: IntervalOption = None,
    depth: DepthOption = 10,
    levels: LevelsOption = None,
    updates: UpdatesOption = False,
    count: CountOption = None,
    duration: DurationOption = None,
    events: EventsOption = False,
    watchdog: WatchdogOption = 5.0,
    connect_budget: BudgetOption = 100,
    market: MarketOption = None,
) -> None:
    """Stream live data, one record per line, flushed per line (jsonl; also csv or table).

    \b
    Examples:
      krx stream trades BTCUSDT | jq .price
      krx stream book BTC/USD ETH/USD --depth 100 --levels 5
      krx stream candles BTCUSDT --interval min5 --count 10 --format csv
      krx stream executions
      krx stream book PF_XBTUSD --market futures --depth 10   # seq-checked
      krx stream                     # the config's active subscriptions
    """
    from kraken_cli.services.stream.service import StreamArgs, open_stream

    args = StreamArgs(
        channel, tuple(symbols or ()), interval, depth, levels, updates, count, duration,
        watchdog, connect_budget,
    )  # fmt: skip
    with open_stream(get_settings(ctx), pick_market(ctx, market), args) as prepared:
        sink = _sink(ctx, prepared.kinds, events)
        try:
            prepared.run(sink)
        finally:
            sink.close()


def _sink(ctx: typer.Context, kinds: Collection[str], events: bool) -> StdoutSink:
    """Return the stdout sink of a stream: jsonl unless --format / KRX_FORMAT asks otherwise.

    A terminal's default (table) does not apply: SPEC has streams write JSON lines.
    """
    from kraken_cli.output.sink import check_stream_format

    state = get_state(ctx)
    fmt = state.format if state.format_given else "jsonl"
    check_stream_format(fmt, kinds, events_to_stdout=events)
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    return stdout_sink(ctx, fmt=fmt, kind=kind, events_to_stdout=events)
