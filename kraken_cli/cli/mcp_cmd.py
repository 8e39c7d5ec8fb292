"""``krx mcp``: Kraken for AI agents over the Model Context Protocol (stdio).

The MCP SDK is imported inside the command so ``krx --help`` stays fast.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from kraken_cli.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add the ``mcp`` command to ``app``."""
    app.command("mcp")(mcp)


def mcp(
    ctx: typer.Context,
    allow_trading: Annotated[
        bool,
        typer.Option(
            "--allow-trading", help="Also offer the order tools (add, amend, cancel, cancel-all)."
        ),
    ] = False,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            envvar="KRX_ARCHIVE",
            help="Archive the query tool reads, and whose trades spot candles read where it "
            "covers the range (default: user data dir).",
        ),
    ] = None,
) -> None:
    """Serve krx's read commands (and, opt-in, orders) as MCP tools on stdin/stdout.

    Tool results are the records of `--format json` (`query` runs one SELECT over the
    archive, read-only); every call shares the CLI's per-key
    nonce lock and rate counter. Configure it in an MCP client as the command
    `krx mcp` (add `--sandbox` to try it against `krx sandbox`).

    \b
    Examples:
      krx mcp
      krx --sandbox mcp --allow-trading
    """
    if importlib.util.find_spec("mcp") is None:
        raise ConfigError(
            "krx mcp needs the 'mcp' extra",
            hint="pip install 'kraken-cli-krx[mcp]' or make install",
        )
    from kraken_cli.cli.common import get_settings
    from kraken_cli.cli.markets import archive_lookup, debug_log, default_market
    from kraken_cli.mcp.calls import Calls
    from kraken_cli.mcp.server import serve

    settings = get_settings(ctx)
    calls = Calls(
        settings,
        default_market(settings),
        debug_log(ctx),
        _archive_query(archive),
        archive_lookup(archive),
    )
    serve(calls, allow_trading=allow_trading)


def _archive_query(root: Path | None) -> Callable[[str], Iterator[dict[str, Any]]] | None:
    """Return the confined archive query for the query tool (None without the archive extra)."""
    if any(importlib.util.find_spec(m) is None for m in ("duckdb", "pyarrow")):
        return None
    from kraken_cli.archive.layout import default_root
    from kraken_cli.archive.query import run_query

    return partial(run_query, root or default_root(), confined=True)
