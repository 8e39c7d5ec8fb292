"""Record values as cells: JSON-native data, table/csv text, and the columns of a batch."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from kraken_cli.models.times import iso_utc


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
        return COMPACT.encode(value)
    return str(value)


COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def columns_of(first: Mapping[str, Any], columns: Sequence[str] | None) -> list[str]:
    """Return ``columns`` then the first record's other keys (all its keys without a spec)."""
    if columns is None:
        return list(first.keys())
    extra = [key for key in first if key not in columns]
    return list(columns) + extra
