"""Render records as a table, JSON, JSON lines or CSV; decimals stay exact, times UTC.

Records are mappings whose values are str, int, bool, None, Decimal, datetime or nested lists /
mappings of those. jsonl and csv stream row by row (``krx trades ... | head`` prints at once);
json and table collect first.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from kraken_cli.models.times import iso_utc
from kraken_cli.output.lines import compact_encoder
from kraken_cli.output.sanitize import csv_safe, for_terminal, for_terminal_lines


def plain(value: Any) -> Any:
    """Convert a record value to JSON-native data (Decimal -> exact string, datetime -> ISO)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def cell_text(value: Any) -> str:
    """Render one value for csv/table cells: nested data as compact JSON, None as empty."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return _COMPACT.encode(value)
    return str(value)


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
#: The same encoding with its C encoder built once (JSONEncoder.encode rebuilds it every call).
_LINE = compact_encoder()


def jsonl_line(record: Mapping[str, Any]) -> str:
    """Return one record as a compact JSON line, exactly ``_COMPACT.encode(plain(record))``.

    Records are almost always flat (text, int, None, Decimal values): those skip the recursive
    ``plain`` and go to the prebuilt encoder in one call.
    """
    if record.__class__ is dict:
        kinds = {*map(type, record.values())}
        if kinds <= _SCALARS:
            return _LINE(record) + "\n"
        if kinds <= _SCALARS_OR_DECIMAL:
            flat = {k: format(v, "f") if v.__class__ is Decimal else v for k, v in record.items()}
            return _LINE(flat) + "\n"
    return _LINE(plain(record)) + "\n"


#: Value types a JSON line takes as they are (bool is its own type: it goes through ``plain``).
_SCALARS = frozenset({str, int, type(None)})
_SCALARS_OR_DECIMAL = _SCALARS | {Decimal}


def columns_of(first: Mapping[str, Any], columns: Sequence[str] | None) -> list[str]:
    """Return ``columns`` then the first record's other keys (all its keys without a spec)."""
    if columns is None:
        return list(first.keys())
    extra = [key for key in first if key not in columns]
    return list(columns) + extra


def render(
    records: Iterable[Mapping[str, Any]],
    fmt: str,
    *,
    columns: Sequence[str] | None = None,
    out: TextIO | None = None,
    title: str | None = None,
) -> int:
    """Write records in ``fmt`` to ``out`` (stdout); return how many were written."""
    out = out or sys.stdout
    if fmt == "jsonl":
        count = 0
        for record in records:
            out.write(jsonl_line(record))
            count += 1
        out.flush()
        return count
    if fmt == "csv":
        return _render_csv(records, columns, out)
    rows = [plain(record) for record in records]
    if fmt == "json":
        out.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        out.flush()
        return len(rows)
    _render_table(rows, columns, out, title)
    return len(rows)


def render_object(obj: Mapping[str, Any], fmt: str, *, out: TextIO | None = None) -> None:
    """Write one object: pretty JSON for json/table, one line for jsonl, key/value rows for csv."""
    out = out or sys.stdout
    data = plain(obj)
    if fmt == "jsonl":
        out.write(_COMPACT.encode(data) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["key", "value"])
        for key, value in data.items():
            writer.writerow([csv_safe(key), csv_safe(cell_text(value))])
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False)
        out.write((for_terminal_lines(text) if fmt == "table" else text) + "\n")
    out.flush()


def _render_csv(
    records: Iterable[Mapping[str, Any]], columns: Sequence[str] | None, out: TextIO
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    header: list[str] | None = list(columns) if columns is not None else None
    count = 0
    for record in records:
        if count == 0:
            header = columns_of(record, columns)
            writer.writerow([csv_safe(key) for key in header])
        assert header is not None
        writer.writerow([csv_safe(cell_text(record.get(key))) for key in header])
        count += 1
    if count == 0 and header:
        writer.writerow(header)
    out.flush()
    return count


def _render_table(
    rows: list[Any], columns: Sequence[str] | None, out: TextIO, title: str | None
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if not rows:
        Console(file=out).print("(no rows)", style="dim")
        return
    header = columns_of(rows[0], columns)
    # Text, not str: server text must not be read as rich markup ("[link=...]") or emoji codes
    cells = [[for_terminal(cell_text(row.get(key))) for key in header] for row in rows]
    widths = [max(len(key), *(len(line[i]) for line in cells)) for i, key in enumerate(header)]
    natural = sum(widths) + 3 * len(widths) + 1
    console = Console(file=out, soft_wrap=False)
    if not console.is_terminal:
        # Piped or redirected: never cut a number to fit an assumed 80 columns.
        console = Console(file=out, soft_wrap=False, width=max(natural, 80))
    safe_title = None if title is None else Text(for_terminal(title), style="table.title")
    table = Table(title=safe_title, show_lines=False, header_style="bold")
    for index, key in enumerate(header):
        numeric = _is_numeric_column(rows, key)
        # A narrow terminal folds a cell onto two lines rather than truncating digits.
        table.add_column(
            Text(for_terminal(key)),
            justify="right" if numeric else "left",
            overflow="fold",
            min_width=min(len(key), widths[index]),
        )
    for line in cells:
        table.add_row(*(Text(text) for text in line))
    console.print(table)


def _is_numeric_column(rows: list[Any], key: str) -> bool:
    for row in rows[:50]:
        value = row.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            continue
        try:
            Decimal(str(value))
        except ArithmeticError:
            return False
    return True
