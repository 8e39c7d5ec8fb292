"""``krx cache info | clear``: the local trade store behind long candle history.

Also the progress bar that trade downloads report to (rich, on stderr, only when stderr is a
terminal), installed by ``cli.app.run`` for every command; the services only ever see a plain
callback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kraken_cli.cli.common import live_started, live_stopped
from kraken_cli.errors import ConfigError
from kraken_cli.output.columns import CACHE_INFO

if TYPE_CHECKING:
    from kraken_cli.services.history.candles import HistoryProgress

cache_app = typer.Typer(
    name="cache",
    help="The local store of raw trades that candle history beyond 720 candles is built from.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``cache`` command group."""
    app.add_typer(cache_app, name="cache")


def progress_bar() -> Callable[[HistoryProgress], None] | None:
    """Return a rich progress callback on stderr, or None when stderr is not a terminal."""
    try:
        if not sys.stderr.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return _RichProgress()


class _RichProgress:
    """Trades fetched, time covered and ETA, drawn on stderr; started on the first report."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, event: HistoryProgress) -> None:
        if self._progress is None:
            if event.finished:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[trades]} trades · {task.fields[calls]} calls"),
                TextColumn("up to {task.fields[cursor]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            live_started(self._progress.stop)
            self._task = self._progress.add_task(
                f"trades {event.label or event.pair}",
                total=max(event.total_ns, 1),
                trades=0,
                calls=0,
                cursor="",
            )
        from kraken_cli.services.history.store import iso_ns

        self._progress.update(
            self._task,
            completed=event.done_ns,
            trades=f"{event.trades:,}",
            calls=event.calls,
            cursor=iso_ns(event.cursor_ns),
        )
        if event.finished:
            self._progress.stop()
            live_stopped(self._progress.stop)
            self._progress = None


def _open_store() -> Any:
    from kraken_cli.config.settings import cache_dir
    from kraken_cli.services.history.candles import store_path
    from kraken_cli.services.history.store import TradeStore

    return TradeStore(store_path(cache_dir()))


@cache_app.command("info")
def info_cmd(ctx: typer.Context) -> None:
    """Show each cached pair: trades, time span, ranges known complete, and size on disk.

    ``bytes`` estimates each pair's share of the store file (its size split by trade count,
    so the rows add up to the file); the total and the path also go to stderr.

    Example: krx cache info --format json
    """
    from kraken_cli.cli.common import emit, info
    from kraken_cli.services.history.store import summary_records

    with _open_store() as store:
        rows = summary_records(store)
        size = store.size_bytes()
        path = store.path
    emit(rows, CACHE_INFO, ctx=ctx)
    info(f"store {path}: {size / 1e6:.1f} MB on disk")


@cache_app.command("clear")
def clear_cmd(
    ctx: typer.Context,
    symbol: Annotated[
        str | None, typer.Argument(help="Only this pair (e.g. BTCUSD, XXBTZUSD); default all.")
    ] = None,
) -> None:
    """Delete cached trades (all pairs, or one); they are downloaded again when needed.

    Example: krx cache clear BTCUSD
    """
    from kraken_cli.cli.common import info

    try:
        store = _open_store()
    except ConfigError as exc:
        _delete_unreadable_store(exc)
        return
    with store:
        if symbol is None:
            removed = store.clear()
            info(f"removed {removed:,} trades (all pairs)")
            return
        names = _matching(store.pairs(), symbol, ctx)
        removed = sum(store.clear(name) for name in names)
    info(f"removed {removed:,} trades ({', '.join(names) or 'no cached pair matched'})")


def _delete_unreadable_store(exc: ConfigError) -> None:
    """`cache clear` always works: a store SQLite cannot open is deleted whole."""
    from kraken_cli.cli.common import info, warn
    from kraken_cli.config.settings import cache_dir
    from kraken_cli.services.history.candles import store_path
    from kraken_cli.services.history.store import delete_store_files

    if "locked" in exc.message:
        raise exc
    path = store_path(cache_dir())
    warn(f"{exc.message}; deleting the whole store")
    try:
        removed = delete_store_files(path)
    except OSError as err:
        raise ConfigError(
            f"cannot delete the trade store {path}: {err.strerror or err}",
            hint=f"delete {path}* by hand",
        ) from err
    info(f"deleted {', '.join(str(p) for p in removed) or 'nothing'}")


def _matching(names: list[str], symbol: str, ctx: typer.Context) -> list[str]:
    """Return the stored names for ``symbol``: exact match, else via the symbol resolver."""
    wanted = symbol.strip().upper()
    direct = [n for n in names if n.split("@")[0].upper() == wanted or n.upper() == wanted]
    if direct:
        return direct
    try:
        from kraken_cli.cli.common import get_settings
        from kraken_cli.services.market.spot import MarketService

        service = MarketService.from_settings(get_settings(ctx))
        try:
            key = service.resolver.resolve(symbol).key
        finally:
            service.close()
    except Exception:  # resolution needs the network or a cached symbol list
        return []
    return [n for n in names if n.split("@")[0] == key]
