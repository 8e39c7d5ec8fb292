"""``krx watch ticker|book|trades SYMBOL...``: a live view redrawn in place on a terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kraken_cli.cli.common import get_settings, get_state
from kraken_cli.cli.complete import complete_symbol
from kraken_cli.cli.markets import MarketOption, pick_market
from kraken_cli.errors import UsageError

#: The views and the ``krx stream`` channel that feeds each.
VIEWS = ("ticker", "book", "trades")
#: Book depths Kraken subscribes to; the view subscribes to the smallest that covers --depth.
BOOK_DEPTHS = (10, 25, 100, 500, 1000)


def _complete_view(incomplete: str) -> list[str]:
    return [view for view in VIEWS if view.startswith(incomplete)]


def register(app: typer.Typer) -> None:
    """Add the ``watch`` command."""
    app.command("watch")(watch)


def watch(
    ctx: typer.Context,
    view: Annotated[
        str,
        typer.Argument(
            help="ticker | book | trades", show_default=False, autocompletion=_complete_view
        ),
    ],
    symbols: Annotated[
        list[str],
        typer.Argument(
            help="Symbols: BTCUSDT, BTC/USD ...",
            show_default=False,
            autocompletion=complete_symbol,
        ),
    ],
    depth: Annotated[
        int,
        typer.Option(min=1, max=1000, help="Book: levels per side (fewer if the screen is short)."),
    ] = 10,
    market: MarketOption = None,
) -> None:
    """Watch live data redrawn in place: a book ladder, a ticker board or a trade tape.

    The book is the stream's checksum-verified book, with spread, mid and cumulative depth;
    tickers show the 24h change (green up, red down; NO_COLOR turns colour off); the tape
    colours trades by side. A terminal only: for pipes and files use `krx stream`.

    \b
    Examples:
      krx watch book BTC/USD
      krx watch ticker BTCUSD ETHUSD DOGEUSD
      krx --sandbox watch trades BTCUSD
    """
    channel = _check(ctx, view, symbols)
    from rich.console import Console

    from kraken_cli.output.watch.screen import WatchScreen, show_live
    from kraken_cli.services.stream.service import StreamArgs, open_stream

    subscribe = next((d for d in BOOK_DEPTHS if d >= depth), BOOK_DEPTHS[-1])
    args = StreamArgs(channel, tuple(symbols), depth=subscribe, levels=depth)
    settings = get_settings(ctx)
    where = "sandbox" if get_state(ctx).sandbox else "Kraken"
    title = f"krx watch {view} {' '.join(symbols)} · {where}"
    screen = WatchScreen(view, levels=depth, title=title)
    with open_stream(settings, pick_market(ctx, market), args) as prepared:
        show_live(screen, prepared.run, Console())


def _check(ctx: typer.Context, view: str, symbols: list[str]) -> str:
    """Return the stream channel of ``view``; exit 2 off a terminal or for a non-table format."""
    if view not in VIEWS:
        raise UsageError(f"no view {view!r}", hint="krx watch ticker|book|trades SYMBOL...")
    again = f"krx stream {view} {' '.join(symbols)}"
    state = get_state(ctx)
    if state.format_given and state.format != "table":
        raise UsageError(
            f"krx watch draws a view; --format {state.format} is for data",
            hint=f"{again} --format {state.format}",
        )
    if not sys.stdout.isatty():
        raise UsageError(
            "krx watch draws on a terminal, and standard output is not one",
            hint=f"for data in a pipe or file: {again}",
        )
    return view
