"""The ``krx history import`` use case: name each file's pair, open the store, import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kraken_cli.errors import NetworkError, UsageError
from kraken_cli.services.history.archive_csv import ArchiveFile, discover
from kraken_cli.services.history.candles import store_pair_name, store_path
from kraken_cli.services.history.importer import FileResult, ImportCallback, import_archives
from kraken_cli.services.history.store import TradeStore

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.market.symbols import SymbolResolver


def import_history(
    settings: Settings,
    paths: Sequence[Path],
    *,
    symbol: str | None = None,
    progress: ImportCallback | None = None,
    cache_dir: Path | None = None,
) -> list[FileResult]:
    """Import archive CSVs (files, folders, ZIPs) into the trade store; one result per file."""
    from kraken_cli.config.settings import cache_dir as default_cache_dir
    from kraken_cli.services.market.spot import MarketService

    files = list(discover(paths))
    if not files:
        raise UsageError(
            "no archive CSV found (<PAIR>.csv trades or <PAIR>_<minutes>.csv OHLCVT)",
            hint="give CSV files, folders or ZIPs from Kraken's downloadable history",
        )
    root = cache_dir or default_cache_dir()
    service = MarketService.from_settings(settings, cache_dir=root)
    try:
        namer = pair_namer(service.resolver, settings.endpoints.rest_url, symbol)
        with TradeStore(store_path(root)) as store:
            return import_archives(store, files, namer, progress=progress)
    finally:
        service.close()


def pair_namer(
    resolver: SymbolResolver, rest_url: str, symbol: str | None
) -> Callable[[ArchiveFile], str]:
    """Return file -> store pair name (``--symbol``, else the file's altname, resolved)."""
    names: dict[str, str] = {}

    def name(f: ArchiveFile) -> str:
        text = symbol or f.altname
        if text not in names:
            try:
                pair = resolver.resolve(text)
            except NetworkError as exc:
                raise UsageError(
                    f"cannot resolve {text!r} to a Kraken pair: no cached pair list and "
                    f"Kraken is unreachable ({exc.message})",
                    hint="run `krx symbols` once with network access (the pair list is cached "
                    "for a day), then import again",
                ) from None
            names[text] = store_pair_name(pair.key, rest_url)
        return names[text]

    return name
