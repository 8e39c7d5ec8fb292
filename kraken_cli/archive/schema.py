"""One Arrow schema per channel, the same for every pair: exact decimals, UTC times.

The partition keys (exchange, market, channel, symbol, date) live in the directory names, not
in the files: Spark refuses a column that is both. Prices and volumes are
``decimal128(38, 18)``: 20 integer and 18 fraction digits hold every Kraken pair (BTC at 10^5,
SHIB volumes at 10^12, prices at 10^-8) without rounding, and DuckDB, Spark and Polars read the
type natively. Book rows keep the pair's price and lot decimals, so a book rebuilt from the
archive formats its levels as Kraken's checksum does.

Every market shares these schemas; a column a market lacks is null. Spot trades carry Kraken's
integer ``trade_id``; futures trades have none and carry their ``trade_uid`` (a UUID) and the
feed's ``seq``. Futures books carry no checksum (null) but their ``seq``, so a rebuilt futures
book is proven by ``seq`` continuity instead. Columns added later (``trade_uid``, ``seq``) are
absent from older parts: readers union by name and ``krx archive compact`` rewrites old parts to
the current schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

DECIMAL = pa.decimal128(38, 18)
TIME = pa.timestamp("us", tz="UTC")

CHANNELS = ("trades", "book", "ticker", "candles")

SCHEMAS: dict[str, pa.Schema] = {
    "trades": pa.schema(
        [
            ("trade_id", pa.int64()),
            ("time", TIME),
            ("price", DECIMAL),
            ("volume", DECIMAL),
            ("side", pa.string()),
            ("ord_type", pa.string()),
            ("trade_uid", pa.string()),
            ("seq", pa.int64()),
        ]
    ),
    "book": pa.schema(
        [
            ("message", pa.int64()),
            ("time", TIME),
            ("type", pa.string()),
            ("side", pa.string()),
            ("price", DECIMAL),
            ("volume", DECIMAL),
            ("checksum", pa.int64()),
            ("depth", pa.int16()),
            ("price_decimals", pa.int8()),
            ("lot_decimals", pa.int8()),
            ("seq", pa.int64()),
        ]
    ),
    "ticker": pa.schema(
        [
            ("time", TIME),
            ("bid", DECIMAL),
            ("ask", DECIMAL),
            ("last", DECIMAL),
            ("volume_24h", DECIMAL),
            ("vwap_24h", DECIMAL),
            ("low_24h", DECIMAL),
            ("high_24h", DECIMAL),
        ]
    ),
    "candles": pa.schema(
        [
            ("interval", pa.string()),
            ("time", TIME),
            ("open", DECIMAL),
            ("high", DECIMAL),
            ("low", DECIMAL),
            ("close", DECIMAL),
            ("vwap", DECIMAL),
            ("volume", DECIMAL),
            ("count", pa.int64()),
        ]
    ),
}


def parse_time(value: Any) -> datetime:
    """Return an aware UTC datetime from a record's ISO-8601 text (or a datetime)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    text = str(value)
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


def to_decimal(value: Any) -> Decimal | None:
    """Return the exact Decimal of a record's decimal text (None stays None)."""
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


_CONVERT: dict[pa.DataType, Callable[[Any], Any]] = {DECIMAL: to_decimal, TIME: parse_time}


#: Each schema with its decimals and times as text: the shape of rows straight off the wire.
WIRE: dict[str, pa.Schema] = {
    name: pa.schema(
        [pa.field(f.name, pa.string()) if f.type in (DECIMAL, TIME) else f for f in schema]
    )
    for name, schema in SCHEMAS.items()
}


def table(channel: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Build the channel's table from row mappings (keys as the schema's field names)."""
    schema = SCHEMAS[channel]
    try:
        # wire text (the usual case): Arrow reads the rows in C, then parses decimals exactly
        # and RFC3339 times with their offsets, several times faster than Decimal/datetime
        wire = pa.Table.from_pylist(list(rows), schema=WIRE[channel])
        return wire.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass  # Decimal, datetime or empty-text values: convert one by one
    columns = []
    for field in schema:
        convert = _CONVERT.get(field.type)
        values = [row.get(field.name) for row in rows]
        if convert is not None:
            values = [None if v is None else convert(v) for v in values]
        columns.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """Return ``batch`` in ``schema``: columns by name, a column the batch lacks as nulls."""
    names = batch.schema.names
    columns = [
        batch.column(names.index(f.name)).cast(f.type)
        if f.name in names
        else pa.nulls(batch.num_rows, f.type)
        for f in schema
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def column_range(path: Any, column: str) -> tuple[Any, Any] | None:
    """Return a column's ``(min, max)`` in one file from its row-group statistics (no data
    read); None without rows or when a row group lacks statistics."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    if column not in meta.schema.names:
        return None  # a part written before the column existed
    index = meta.schema.names.index(column)
    low = high = None
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            return None
        low = stats.min if low is None else min(low, stats.min)
        high = stats.max if high is None else max(high, stats.max)
    return None if low is None else (low, high)
