"""The ``--market spot|margin|futures`` option the shared commands take, and its sessions.

Spot is the default; a config whose markets are all of one type makes that type the default
(a futures-only config means ``krx ticker PF_XBTUSD`` needs no ``--market``).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kraken_cli.cli.common import get_settings, get_state
from kraken_cli.errors import UsageError
from kraken_cli.models.segment import Market, parse_market

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.history.archived_trades import ArchiveLookup
    from kraken_cli.services.market import MarketData

SPOT, MARGIN, FUTURES = Market.SPOT, Market.MARGIN, Market.FUTURES
MARKETS = tuple(Market)

MarketOption = Annotated[
    str | None,
    typer.Option(
        "--market",
        help="spot | margin | futures (default: spot, or the config's only market type).",
        show_default=False,
    ),
]


def default_market(settings: Settings) -> Market:
    """Return the config's market type when it configures exactly one, else spot."""
    kinds = {m.market_type.lower() for m in settings.markets} & set(MARKETS)
    return Market(kinds.pop()) if len(kinds) == 1 else SPOT


def pick_market(
    ctx: typer.Context, market: str | None, allowed: tuple[Market, ...] = MARKETS
) -> Market:
    """Return the market this invocation targets; exit 2 for one the command lacks."""
    chosen = parse_market(market) if market else default_market(get_settings(ctx))
    if chosen not in allowed:
        raise UsageError(
            f"this command has no {chosen} variant", hint="use --market " + " or ".join(allowed)
        )
    return chosen


def debug_log(ctx: typer.Context) -> Callable[[str], None] | None:
    """Return the ``--debug`` request logger (stderr), or None."""
    if not get_state(ctx).debug:
        return None

    def log(line: str) -> None:
        sys.stderr.write(f"krx: debug: {line}\n")

    return log


@contextmanager
def market_data(ctx: typer.Context, market: str | None) -> Iterator[MarketData]:
    """Yield the market-data service of the segment this invocation targets."""
    from kraken_cli.services.market import open_market_data

    chosen = pick_market(ctx, market)
    settings = get_settings(ctx)
    with open_market_data(
        settings, chosen, debug_log=debug_log(ctx), archive_lookup=trade_archive
    ) as service:
        yield service


def trade_archive(rest_url: str, market: str) -> Any:
    """Return the Parquet archive ``krx candles`` may read (pyarrow only when it is asked)."""
    from kraken_cli.archive.layout import trades_archive_root

    root = trades_archive_root(rest_url, market)
    if root is None or importlib.util.find_spec("pyarrow") is None:
        return None
    from kraken_cli.archive.trades import ArchivedTrades

    return ArchivedTrades(root, market)


def archive_lookup(root: Path | None = None) -> ArchiveLookup:
    """Return how a long-running front end (serve, mcp) finds the archive its candles read.

    ``root`` (``--archive DIR``) is read whatever the server, like ``KRX_ARCHIVE``, and may
    fill up while the server runs; without it, the rule of ``krx candles`` (``trade_archive``).
    """
    if root is None:
        return trade_archive
    named = root

    def at_root(rest_url: str, market: str) -> Any:
        if importlib.util.find_spec("pyarrow") is None:
            return None
        from kraken_cli.archive.trades import ArchivedTrades

        return ArchivedTrades(named, market)

    return at_root
