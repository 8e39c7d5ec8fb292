"""``krx query``: SQL over the archive with DuckDB (views ``trades``, ``book``, ``ticker``,
``candles``), rows returned as records with exact decimals.

The views read every committed part with Hive partitioning, so ``exchange``, ``market``,
``symbol`` and ``date`` are columns too; ``symbol`` reads in Kraken's form (``BTC/USD``) although
the directories spell it ``BTC-USD``. Parts written before a column was added (``trade_uid``,
``seq``) read with that column null (the views union the parts' columns by name).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kraken_cli.archive import layout
from kraken_cli.archive.schema import CHANNELS
from kraken_cli.errors import UsageError

BATCH = 10_000


def _view_sql(root: Path, channel: str) -> str | None:
    base = root / f"exchange={layout.EXCHANGE}"
    if next(layout.committed(base, f"market=*/channel={channel}/*/*/*.parquet"), None) is None:
        return None
    pattern = str(base / "market=*" / f"channel={channel}" / "*" / "*" / "*.parquet")
    quoted = pattern.replace("'", "''")
    return (
        f"CREATE VIEW {channel} AS SELECT * REPLACE (replace(symbol, '-', '/') AS symbol) "
        f"FROM read_parquet('{quoted}', hive_partitioning = true, union_by_name = true)"
    )


def connect(root: Path) -> Any:
    """Return a DuckDB connection with one view per archived channel."""
    import duckdb

    if not root.is_dir():
        raise UsageError(f"no archive at {root}", hint="krx archive DIR SYMBOL... writes one")
    connection = duckdb.connect()
    for channel in CHANNELS:
        sql = _view_sql(root, channel)
        if sql is not None:
            try:  # binding reads a part's schema: a file krx did not write may not be Parquet
                connection.execute(sql)
            except duckdb.Error as exc:
                connection.close()
                raise _failed(exc, ["none yet"]) from None
    return connection


def run_query(root: Path, sql: str, *, confined: bool = False) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``sql`` as records (decimals exact and unpadded, times UTC).

    ``confined`` (for SQL from an agent, ``krx mcp``): one SELECT, reading only the archive;
    no file outside it can be read and none written, attached or installed.
    """
    import duckdb

    if confined:
        _one_select(sql)
    if not sql.strip():
        raise UsageError("the query is empty", hint='e.g. krx query "SELECT count(*) FROM trades"')
    connection = connect(root)
    try:
        if confined:
            _confine(connection, root)
        try:
            cursor = connection.execute(sql)
            if cursor is None or cursor.description is None:  # a statement without rows
                return
            names = [column[0] for column in cursor.description]
            while rows := cursor.fetchmany(BATCH):
                for row in rows:
                    yield {name: _plain(value) for name, value in zip(names, row, strict=True)}
        except duckdb.Error as exc:  # the SQL, or a part that is not Parquet, read lazily
            raise _failed(exc, _views(connection)) from None
    finally:
        connection.close()


def _failed(exc: Exception, views: list[str]) -> UsageError:
    first = str(exc).splitlines()[0]
    hint = "views: " + ", ".join(views) + " (see krx query --help)"
    if "Parquet" in first or "magic bytes" in first:
        hint = "a part under the archive is not a Parquet file krx wrote; move it away. " + hint
    return UsageError(f"query failed: {first}", hint=hint)


def _one_select(sql: str) -> None:
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise UsageError(f"query failed: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise UsageError(
            "only one SELECT statement is allowed here", hint="views: trades, book, ticker, candles"
        )


def _confine(connection: Any, root: Path) -> None:
    # Views are bound already; from here on the engine may touch the archive only, and the
    # query cannot lift that (the configuration is locked).
    connection.execute("SET allowed_directories = $dirs", {"dirs": [str(root.resolve())]})
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def _views(connection: Any) -> list[str]:
    rows = connection.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    return sorted(str(row[0]) for row in rows) or ["none yet"]


def _plain(value: Any) -> Any:
    """Dates as text; decimals without the column's 18-digit padding (64369.1, not 64369.10...)."""
    if isinstance(value, Decimal):
        return value.normalize() if value else Decimal(0)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value
