"""The sink behind ``krx watch``: keeps the latest records of a stream and redraws in place.

A stream writes records into :class:`WatchScreen` (``write``: a dict assignment, nothing drawn);
rich's ``Live`` redraws from its own thread :data:`REDRAWS_PER_SECOND` times a second. A busy
book updates far faster than anyone reads and a frame costs 5-25 ms, so drawing per record would
waste a core; a timer also draws the last update of a quiet market, which a redraw throttled on
records would leave undrawn. The drawing thread reads snapshots (``list(...)`` of the dicts and
the deque, taken whole under the GIL) of records that the stream never mutates once written.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from kraken_cli.output import style
from kraken_cli.output.sanitize import for_terminal
from kraken_cli.output.sink import StreamOnlySink
from kraken_cli.output.watch import views

Record = Mapping[str, Any]
#: The views a screen draws.
VIEWS = ("ticker", "book", "trades")
#: Trades kept for the tape (more than any terminal shows).
TAPE_SIZE = 500
#: Below this width two books sit one above the other rather than side by side.
LADDER_WIDTH = 60
#: Rows a frame spends on its own lines: the title and the status line.
FRAME_ROWS = 2
#: Frames drawn a second (rich's default).
REDRAWS_PER_SECOND = 4


class WatchScreen(StreamOnlySink):
    """A live view (``ticker``, ``book`` or ``trades``) of some symbols, fed by a stream."""

    def __init__(
        self,
        view: str,
        *,
        levels: int = 10,
        title: str = "",
    ) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.view = view
        self.levels = levels
        self.title = title
        self.books: dict[str, Record] = {}
        self.tickers: dict[str, Record] = {}
        self.trades: deque[Record] = deque(maxlen=TAPE_SIZE)
        self.status = "connecting…"
        self.records = 0

    # -- the Sink side (called by the stream) ----------------------------------------------------
    def write(self, record: Record) -> None:
        """Keep one stream record for the next frame."""
        channel = record.get("channel")
        symbol = str(record.get("symbol", ""))
        if channel == "book":
            self.books[symbol] = record
        elif channel == "ticker":
            self.tickers[symbol] = record
        elif channel == "trade":
            self.trades.append(record)
        else:
            return
        self.records += 1
        self.status = f"live · {self.records} updates"

    def write_event(self, event: Record) -> None:
        """Show a stream event (reconnect, resync, backfill) on the status line."""
        name = for_terminal(str(event.get("event", "event")))
        detail = event.get("reason") or event.get("symbol") or ""
        self.status = f"{name} {for_terminal(str(detail))}".strip()

    def close(self) -> None:
        """Nothing to flush: the display draws what the screen holds."""

    # -- the rich side (called by Live) ----------------------------------------------------------
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Draw the frame for the console's current size."""
        width = options.max_width
        height = options.height or console.size.height
        yield self.frame(width, height)

    def frame(self, width: int, height: int) -> RenderableType:
        """Return the whole frame at ``width`` x ``height``: title, view, status line."""
        head = Text(self.title, style=style.HEADER)
        head.append("  Ctrl-C to quit", style=style.MUTED)
        body_rows = max(1, height - FRAME_ROWS)
        body = self._body(width, body_rows)
        return Group(head, body, Text(self.status, style=style.MUTED))

    def _body(self, width: int, rows: int) -> RenderableType:
        if self.view == "ticker":
            if not self.tickers:
                return Text("waiting for the first ticker…", style=style.MUTED)
            return views.ticker_board(list(self.tickers.values()), width)
        if self.view == "trades":
            trades = list(self.trades)  # a snapshot: the stream appends as this frame is drawn
            if not trades:
                return Text("waiting for the first trade…", style=style.MUTED)
            symbols = len({t.get("symbol") for t in trades})
            return views.trade_tape(trades, rows - 1, width, symbols=symbols)
        if not self.books:
            return Text("waiting for the book…", style=style.MUTED)
        return self._ladders(width, rows)

    def _ladders(self, width: int, rows: int) -> RenderableType:
        """Lay the books out side by side where they fit, else one above the other."""
        books = list(self.books.values())
        across = max(1, min(len(books), width // LADDER_WIDTH))
        down = -(-len(books) // across)
        # a ladder spends 4 rows beyond its levels: title, header, spread, a blank line
        levels = max(1, min(self.levels, (rows // down - 4) // 2))
        column_width = (width - (across - 1) * views.GAP) // across
        ladders = [views.book_ladder(book, levels, column_width) for book in books]
        if across == 1:
            return Group(*_spaced(ladders))
        grid = Table.grid(padding=(0, views.GAP))  # a grid collapses padding: GAP between
        for _ in range(across):
            grid.add_column(width=column_width, no_wrap=True)
        for start in range(0, len(ladders), across):
            row = ladders[start : start + across]
            grid.add_row(*row, *([""] * (across - len(row))))
        return grid


def _spaced(items: list[RenderableType]) -> list[RenderableType]:
    spaced: list[RenderableType] = []
    for item in items:
        if spaced:
            spaced.append(Text(""))
        spaced.append(item)
    return spaced


def show_live(screen: WatchScreen, run: Callable[[WatchScreen], object], console: Console) -> None:
    """Run ``run(screen)`` (a stream) while ``screen`` is redrawn in place on ``console``.

    Ctrl-C (KeyboardInterrupt) passes through after rich has stopped the display and shown the
    cursor again, so the terminal is back as it was and the last frame stays on screen.
    """
    from rich.live import Live

    with Live(
        screen,
        console=console,
        refresh_per_second=REDRAWS_PER_SECOND,
        vertical_overflow="crop",
        redirect_stdout=False,
    ) as live:
        try:
            run(screen)
        finally:
            # nothing shown yet ("connecting…"): clear it, so an error (unknown symbol) stands alone
            live.transient = screen.records == 0
