"""The sink behind ``krx watch``: keeps the latest records of a stream and redraws in place.

A stream writes records into :class:`WatchScreen` (``write``); the screen keeps what the view
needs (the latest book or ticker per symbol, the newest trades) and asks rich's ``Live`` for a
redraw at most every ``min_interval_s`` (a busy book updates far faster than anyone reads).
Redraws happen in the stream's thread: no refresh thread touches the state as it changes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from kraken_cli.output.sanitize import for_terminal
from kraken_cli.output.sink import StreamOnlySink
from kraken_cli.output.watch import views

Record = Mapping[str, Any]
#: The stream channel each view shows.
VIEWS = {"ticker": "ticker", "book": "book", "trades": "trade"}
#: Trades kept for the tape (more than any terminal shows).
TAPE_SIZE = 500
#: Below this width two books sit one above the other rather than side by side.
LADDER_WIDTH = 60
#: Rows a frame spends on its own lines: the title and the status line.
FRAME_ROWS = 2


class WatchScreen(StreamOnlySink):
    """A live view (``ticker``, ``book`` or ``trades``) of some symbols, fed by a stream."""

    def __init__(
        self,
        view: str,
        symbols: Sequence[str],
        *,
        levels: int = 10,
        title: str = "",
        clock: Callable[[], float] = time.monotonic,
        min_interval_s: float = 0.1,
    ) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.view = view
        self.levels = levels
        self.title = title
        self.symbols = list(symbols)  # names as typed, until the stream says Kraken's form
        self.books: dict[str, Record] = {}
        self.tickers: dict[str, Record] = {}
        self.trades: deque[Record] = deque(maxlen=TAPE_SIZE)
        self.status = "connecting…"
        self.records = 0
        self.redraw: Callable[[], None] = _nothing
        self._clock = clock
        self._min_interval_s = min_interval_s
        self._last_redraw = float("-inf")

    # -- the Sink side (called by the stream) ----------------------------------------------------
    def write(self, record: Record) -> None:
        """Take one stream record and redraw if the last redraw is old enough."""
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
        self._maybe_redraw()

    def write_event(self, event: Record) -> None:
        """Show a stream event (reconnect, resync, backfill) on the status line at once."""
        name = for_terminal(str(event.get("event", "event")))
        detail = event.get("reason") or event.get("symbol") or ""
        self.status = f"{name} {for_terminal(str(detail))}".strip()
        self._maybe_redraw(force=True)

    def close(self) -> None:
        """Draw the last state (a throttled update may not have been drawn yet)."""
        self.redraw()

    def _maybe_redraw(self, *, force: bool = False) -> None:
        now = self._clock()
        if force or now - self._last_redraw >= self._min_interval_s:
            self._last_redraw = now
            self.redraw()

    # -- the rich side (called by Live) ----------------------------------------------------------
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Draw the frame for the console's current size."""
        width = options.max_width
        height = options.height or console.size.height
        yield self.frame(width, height)

    def frame(self, width: int, height: int) -> RenderableType:
        """Return the whole frame at ``width`` x ``height``: title, view, status line."""
        head = Text(self.title, style="bold")
        head.append("  Ctrl-C to quit", style="dim")
        body_rows = max(1, height - FRAME_ROWS)
        body = self._body(width, body_rows)
        return Group(head, body, Text(self.status, style="dim"))

    def _body(self, width: int, rows: int) -> RenderableType:
        if self.view == "ticker":
            if not self.tickers:
                return Text("waiting for the first ticker…", style="dim")
            return views.ticker_board(list(self.tickers.values()), width)
        if self.view == "trades":
            if not self.trades:
                return Text("waiting for the first trade…", style="dim")
            symbols = len({t.get("symbol") for t in self.trades})
            return views.trade_tape(list(self.trades), rows - 1, width, symbols=symbols)
        if not self.books:
            return Text("waiting for the book…", style="dim")
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
        grid = Table.grid(padding=(0, views.GAP // 2 * 2))
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


def _nothing() -> None:
    """Draw nothing (a screen not attached to a display yet)."""


def show_live(screen: WatchScreen, run: Callable[[WatchScreen], object], console: Console) -> None:
    """Run ``run(screen)`` (a stream) while ``screen`` is redrawn in place on ``console``.

    Ctrl-C (KeyboardInterrupt) passes through after rich has stopped the display and shown the
    cursor again, so the terminal is back as it was and the last frame stays on screen.
    """
    from rich.live import Live

    with Live(
        screen,
        console=console,
        auto_refresh=False,  # redraws come from the stream's records (see WatchScreen)
        vertical_overflow="crop",
        redirect_stdout=False,
    ) as live:
        screen.redraw = live.refresh
        live.refresh()
        try:
            run(screen)
        finally:
            screen.redraw = _nothing
            # nothing shown yet ("connecting…"): clear it, so an error (unknown symbol) stands alone
            live.transient = screen.records == 0
