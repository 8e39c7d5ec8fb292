"""``krx query``: SQL over the Parquet archive (DuckDB), rendered like every other command."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from kraken_cli.cli.common import emit
from kraken_cli.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add the ``query`` command to ``app``."""
    app.command("query")(query)


def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="SQL over the views trades, book, ticker, candles.")],
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive", envvar="KRX_ARCHIVE", help="Archive directory (default: user data dir)."
        ),
    ] = None,
) -> None:
    """Query the archive with SQL (DuckDB); every format, exact decimals.

    Views: trades, book, ticker, candles, each with the partition columns exchange, market,
    symbol (BTC/USD) and date.

    \b
    Examples:
      krx query "SELECT symbol, count(*) AS n, sum(volume) AS volume FROM trades GROUP BY 1"
      krx query "SELECT * FROM trades WHERE symbol = 'BTC/USD' ORDER BY time DESC LIMIT 5" -f csv
    """
    if any(importlib.util.find_spec(m) is None for m in ("duckdb", "pyarrow")):
        raise ConfigError(
            "krx query needs the 'archive' extra", hint="pip install 'kraken-cli-krx[archive]'"
        )
    from kraken_cli.archive.layout import default_root
    from kraken_cli.archive.query import run_query

    emit(run_query(archive or default_root(), sql), ctx=ctx)
