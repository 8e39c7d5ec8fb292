"""Render records as a table, JSON, JSON lines or CSV; decimals stay exact, times UTC.

Records are mappings whose values are str, int, bool, None, Decimal, datetime or nested lists /
mappings of those. jsonl and csv stream row by row (``krx trades ... | head`` prints at once);
json and table collect first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from kraken_cli.output.cells import COMPACT as _COMPACT
from kraken_cli.output.cells import cell_text, columns_of, jsonl_line, plain
from kraken_cli.output.columns import pick, without
from kraken_cli.output.sanitize import csv_safe, for_terminal_lines

if TYPE_CHECKING:
    from kraken_cli.output.views import TableView


def render(
    records: Iterable[Mapping[str, Any]],
    fmt: str,
    *,
    columns: Sequence[str] | None = None,
    out: TextIO | None = None,
    title: str | None = None,
    view: TableView | None = None,
    picked: Sequence[str] | None = None,
) -> int:
    """Write records in ``fmt`` to ``out`` (stdout); return how many were written.

    ``picked`` (``--columns``): exactly these columns, in every format. Otherwise a table
    follows ``view`` and the other formats leave out the view's table-only figures.
    """
    out = out or sys.stdout
    if picked:
        records, columns = pick(records, picked), picked
    elif view is not None and fmt != "table":
        records = without(records, view.table_only)
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
    from kraken_cli.output.table import render_table, table_console

    render_table(
        rows, table_console(out), columns=columns, view=view, picked=bool(picked), title=title
    )
    return len(rows)


def render_object(obj: Mapping[str, Any], fmt: str, *, out: TextIO | None = None) -> None:
    """Write one object: pretty JSON for json/table, one line for jsonl, key/value rows for csv."""
    out = out or sys.stdout
    data = plain(obj)
    if fmt == "jsonl":
        out.write(_COMPACT.encode(data) + "\n")
    elif fmt == "csv":
        import csv  # csv output only (start-up, issue 17)

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
    import csv  # csv output only (start-up, issue 17)

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
