"""``krx history import``: Kraken's downloadable trade and OHLCVT archives into the local store.

The progress bar (rows, rows/s, bytes) is drawn with rich on stderr only when stderr is a
terminal; the service only ever sees a plain callback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from kraken_cli.services.history.importer import FileResult, ImportProgress

history_app = typer.Typer(
    name="history",
    help="Long history from Kraken's downloadable archives (trades and OHLCVT CSVs).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``history`` command group."""
    app.add_typer(history_app, name="history")


@history_app.command("import")
def import_cmd(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="CSV files, folders or ZIPs (trades or OHLCVT).")
    ],
    symbol: Annotated[
        str | None,
        typer.Option(help="The pair of every file (default: from each file name, e.g. XBTUSD)."),
    ] = None,
) -> None:
    """Import Kraken's archive CSVs: every trade kept, re-imports add nothing.

    Trades files are <PAIR>.csv (timestamp,price,amount); OHLCVT files are
    <PAIR>_<minutes>.csv. ZIPs are read member by member without unpacking. `krx candles`
    and `krx trades` then serve the imported range without calling Kraken. Ctrl-C keeps every
    finished chunk: run the same command again to resume.

    Example: krx history import ~/Downloads/Kraken_Trading_History.zip
    """
    from kraken_cli.cli.common import emit, get_settings, info
    from kraken_cli.output.columns import HISTORY_IMPORT
    from kraken_cli.services.history_import import import_history

    bar = _bar()
    try:
        results = import_history(get_settings(ctx), paths, symbol=symbol, progress=bar)
    except KeyboardInterrupt:
        info("import interrupted: finished chunks are kept; run the same command to resume")
        raise
    finally:
        if bar is not None:
            bar.close()
    emit((_record(r) for r in results), HISTORY_IMPORT, ctx=ctx)
    added = sum(r.added for r in results)
    info(f"{len(results)} file(s), {sum(r.rows for r in results):,} rows read, {added:,} added")


def _record(r: FileResult) -> dict[str, Any]:
    from kraken_cli.models.times import iso_from_unix

    return {
        "file": r.file,
        "pair": r.pair,
        "kind": r.kind,
        "rows": r.rows,
        "added": r.added,
        "skipped": r.skipped,
        "first": iso_from_unix(r.first_s) if r.first_s is not None else None,
        "last": iso_from_unix(r.last_s) if r.last_s is not None else None,
    }


def _bar() -> _ImportBar | None:
    try:
        return _ImportBar() if sys.stderr.isatty() else None
    except (AttributeError, ValueError):
        return None


class _ImportBar:
    """One bar per file: bytes done, rows and rows/s; started on the first report."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None
        self._file = ""

    def close(self) -> None:
        """Remove the bar from the terminal."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, event: ImportProgress) -> None:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rows]} rows · {task.fields[rate]} rows/s"),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
        if event.file != self._file:
            self._file = event.file
            self._task = self._progress.add_task(
                Path(event.file.split(":")[-1]).name,
                total=max(event.total_bytes, 1),
                rows=0,
                rate=0,
            )
        rate = event.rows / event.elapsed_s if event.elapsed_s > 0 else 0
        self._progress.update(
            self._task, completed=event.done_bytes, rows=f"{event.rows:,}", rate=f"{rate:,.0f}"
        )
        if event.finished:
            self._progress.update(self._task, completed=max(event.total_bytes, 1))
