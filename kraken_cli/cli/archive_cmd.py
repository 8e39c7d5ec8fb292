"""``krx archive``: the chosen channels of some pairs, streamed into Parquet until stopped."""

from __future__ import annotations

import importlib.util
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from kraken_cli.cli.common import emit, get_settings
from kraken_cli.errors import ConfigError, UsageError
from kraken_cli.models.segment import Market


def register(app: typer.Typer) -> None:
    """Add the ``archive`` command to ``app``."""
    app.command("archive")(archive)


def archive(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Archive directory (created if missing).")],
    symbols: Annotated[list[str], typer.Argument(help="Spot symbols: BTCUSD ETH/USD ...")],
    channels: Annotated[
        str, typer.Option(help="Comma list of trades, book, ticker, candles.")
    ] = "trades,book,ticker,candles",
    depth: Annotated[int, typer.Option(help="Book depth: 10, 25, 100, 500 or 1000.")] = 10,
    interval: Annotated[str, typer.Option(help="Candle interval.")] = "min1",
    roll: Annotated[str, typer.Option(help="Start a new part file after this long.")] = "1h",
    duration: Annotated[str | None, typer.Option(help="Stop after this long (30m, 8h).")] = None,
) -> None:
    """Archive live trades, books, tickers and candles to Parquet (Ctrl-C or SIGTERM stops).

    Books are checksum-verified, trades gapless; after a restart trades resume after the last
    committed one, the gap filled from REST. Files become visible only when complete.

    \b
    Examples:
      krx archive ./archive BTCUSD ETHUSD
      krx archive ./archive BTCUSD --channels trades,book --depth 25 --roll 10m
      krx query "SELECT count(*) FROM trades" --archive ./archive
    """
    if any(importlib.util.find_spec(m) is None for m in ("pyarrow",)):
        raise ConfigError("krx archive needs the 'archive' extra", hint="make install")
    from kraken_cli.archive.sink import open_sink
    from kraken_cli.models.times import parse_duration
    from kraken_cli.services.archive import ArchiveArgs, pair_decimals, parse_channels, run_archive

    chosen, roll_s = parse_channels(channels), parse_duration(roll, "--roll")
    duration_s = parse_duration(duration, "--duration") if duration else None
    settings = get_settings(ctx)
    decimals = pair_decimals(settings, tuple(symbols))  # canonical symbols, before any file
    args = ArchiveArgs(tuple(decimals), chosen, depth, interval, duration_s)
    sink = open_sink(
        directory, Market.SPOT.value, decimals=decimals, depth=depth, roll_s=roll_s,
        on_event=_report, on_commit=_committed,
    )  # fmt: skip
    stop = threading.Event()
    with StopOnSignals(stop):
        run_archive(settings, Market.SPOT, args, sink, stop, sink.resume_points(args.symbols))
    emit([{"channel": name, "rows": rows} for name, rows in sink.rows.items()], ctx=ctx)


def _report(event: Any) -> None:
    sys.stderr.write(f"krx: {event.get('event', 'event')}: {dict(event)}\n")


def _committed(path: Path, rows: int) -> None:
    sys.stderr.write(f"krx: archived {rows} rows: {path}\n")


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
