"""``krx archive``: the chosen channels of some pairs, streamed into Parquet until stopped."""

from __future__ import annotations

import importlib.util
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
import typer.main
from typer import _click as click
from typer.core import TyperCommand

from kraken_cli.cli.common import emit, get_settings, get_state
from kraken_cli.cli.markets import FUTURES, SPOT, MarketOption, pick_market
from kraken_cli.errors import ConfigError, UsageError


def register(app: typer.Typer) -> None:
    """Add the ``archive`` command (and ``archive compact``) to ``app``."""
    app.command("archive", cls=WithCompact)(archive)


def compact(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Archive directory.")],
    date: Annotated[
        str | None, typer.Option(help="Day to compact, YYYY-MM-DD (default: every past day).")
    ] = None,
) -> None:
    """Merge each symbol-day's parts into one Parquet file (crash-safe; run it again: no-op).

    \b
    Examples:
      krx archive compact ./archive
      krx archive compact ./archive --date 2026-11-30
    """
    from datetime import date as day_type

    from kraken_cli.archive.compact import compact_tree

    day = None
    if date is not None:
        try:
            day = day_type.fromisoformat(date)
        except ValueError:
            raise UsageError(f"--date {date!r} is not YYYY-MM-DD") from None
    emit(list(compact_tree(directory, day)), ctx=ctx)


class WithCompact(TyperCommand):
    """``krx archive DIR ...``; ``krx archive compact DIR`` goes to :func:`compact`."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Hand ``compact ...`` to the compact command; parse anything else as an archive run."""
        if args and args[0] == "compact":
            command = _compact_command()
            return command.make_context("archive compact", args[1:], parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command the context was made for."""
        if ctx.command is not self:
            return ctx.command.invoke(ctx)
        return super().invoke(ctx)


def _compact_command() -> click.Command:
    # rendered like every krx command: the root's help flags and markup, no completion options
    from kraken_cli.cli.app import app as root

    app = typer.Typer(
        add_completion=False,
        rich_markup_mode=root.rich_markup_mode,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.command("compact")(compact)
    return typer.main.get_command(app)


def archive(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Archive directory (created if missing).")],
    symbols: Annotated[
        list[str] | None,
        typer.Argument(help="Symbols: BTCUSD ETH/USD ... (futures: PF_XBTUSD ...) or --all"),
    ] = None,
    all_pairs: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every online pair (futures: tradeable instrument), within Kraken's WS limits.",
        ),
    ] = False,
    market: MarketOption = None,
    channels: Annotated[
        str | None,
        typer.Option(
            help="Comma list of trades, book, ticker, candles (futures: no candles).",
            show_default="every channel of the market",
        ),
    ] = None,
    depth: Annotated[
        int,
        typer.Option(help="Book depth: 10, 25, 100, 500 or 1000 (futures: every level)."),
    ] = 10,
    interval: Annotated[str, typer.Option(help="Candle interval.")] = "min1",
    roll: Annotated[str, typer.Option(help="Start a new part file after this long.")] = "1h",
    duration: Annotated[str | None, typer.Option(help="Stop after this long (30m, 8h).")] = None,
) -> None:
    """Archive live trades, books, tickers and candles to Parquet (Ctrl-C or SIGTERM stops).

    Books are checksum-verified (futures: seq-checked), trades gapless; after a restart trades
    resume after the last committed one, the gap filled from REST. Files become visible only
    when complete.

    \b
    Examples:
      krx archive ./archive BTCUSD ETHUSD
      krx archive ./archive BTCUSD --channels trades,book --depth 25 --roll 10m
      krx archive ./archive --all --channels trades,book
      krx archive ./archive PF_XBTUSD PF_ETHUSD --market futures
      krx archive compact ./archive --date 2026-11-30
      krx query "SELECT count(*) FROM trades" --archive ./archive
    """
    if any(importlib.util.find_spec(m) is None for m in ("pyarrow",)):
        raise ConfigError("krx archive needs the 'archive' extra", hint="make install")
    from kraken_cli.archive.sink import open_sink
    from kraken_cli.models.times import parse_duration
    from kraken_cli.services.archive import (
        ArchiveArgs,
        archive_symbols,
        parse_channels,
        run_archive,
    )

    if all_pairs == bool(symbols):
        raise UsageError(
            "name symbols or --all (not both)", hint="krx archive DIR BTCUSD ... | --all"
        )
    segment = pick_market(ctx, market, (SPOT, FUTURES))
    chosen, roll_s = parse_channels(channels, segment), parse_duration(roll, "--roll")
    duration_s = parse_duration(duration, "--duration") if duration else None
    settings = get_settings(ctx)
    # canonical symbols, before any file
    decimals = archive_symbols(settings, segment, tuple(symbols or ()))
    args = ArchiveArgs(tuple(decimals), chosen, depth, interval, duration_s)
    sink = open_sink(
        directory, segment.value, decimals=decimals,
        depth=None if segment is FUTURES else depth, roll_s=roll_s, on_event=_report,
        on_commit=CommitReport(0 if get_state(ctx).debug else COMMIT_REPORT_S),
    )  # fmt: skip
    stop = threading.Event()
    resume = sink.resume_points(args.symbols), sink.resume_uids(args.symbols)
    with StopOnSignals(stop):
        run_archive(settings, segment, args, sink, stop, *resume)
    emit([{"channel": name, "rows": rows} for name, rows in sink.rows.items()], ctx=ctx)


def _report(event: Any) -> None:
    sys.stderr.write(f"krx: {event.get('event', 'event')}: {dict(event)}\n")


#: Seconds between progress lines (``--all`` commits thousands of parts an hour).
COMMIT_REPORT_S = 60.0


class CommitReport:
    """Report committed parts on stderr: every part when ``every_s`` is 0, else a summary."""

    def __init__(
        self,
        every_s: float,
        clock: Callable[[], float] = time.monotonic,
        write: Callable[[str], object] = sys.stderr.write,
    ) -> None:
        self.every_s, self.clock, self.write = every_s, clock, write
        self.rows = self.parts = 0
        self.last: float | None = None  # the first commit is reported at once

    def __call__(self, path: Path, rows: int) -> None:
        """Count one committed part; write a line when one is due."""
        self.rows += rows
        self.parts += 1
        now = self.clock()
        if self.every_s and self.last is not None and now - self.last < self.every_s:
            return
        if self.parts == 1:
            self.write(f"krx: archived {rows} rows: {path}\n")
        else:
            self.write(f"krx: archived {self.rows} rows in {self.parts} parts (latest: {path})\n")
        self.rows = self.parts = 0
        self.last = now


class StopOnSignals:
    """SIGINT and SIGTERM set ``stop`` (the archive commits and exits 0) instead of killing."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.saved: dict[int, Any] = {}

    def __enter__(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.saved[sig] = signal.signal(sig, self._handle)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            raise UsageError("stopped twice: leaving without committing the open parts")
        self.stop.set()
