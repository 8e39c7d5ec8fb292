"""Record values as cells: JSON-native data, table/csv text, and the columns of a batch."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from kraken_cli.models.times import iso_utc
from kraken_cli.output.columns import CANDLE
from kraken_cli.output.lines import compact_encoder


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
#: The same encoding with its C encoder built once (JSONEncoder.encode rebuilds it every call).
_LINE = compact_encoder()
#: Value types a JSON line takes as they are (bool is its own type: it goes through ``plain``).
_SCALARS = frozenset({str, int, type(None)})
_SCALARS_OR_DECIMAL = _SCALARS | {Decimal}


def jsonl_line(record: Mapping[str, Any]) -> str:
    """Return one record as a compact JSON line, exactly ``COMPACT.encode(plain(record))``.

    Records are almost always flat (text, int, None, Decimal values): those skip the recursive
    ``plain`` and go to the prebuilt encoder in one call.
    """
    if record.__class__ is dict:
        if len(record) == 9 and tuple(record) == CANDLE:  # long histories: mostly candles
            line = _candle_line(*record.values())
            if line is not None:
                return line
        kinds = {*map(type, record.values())}
        if kinds <= _SCALARS:
            return _LINE(record) + "\n"
        if kinds <= _SCALARS_OR_DECIMAL:
            flat = {k: format(v, "f") if v.__class__ is Decimal else v for k, v in record.items()}
            return _LINE(flat) + "\n"
    return _LINE(plain(record)) + "\n"


def _candle_line(
    symbol: Any, time: Any, o: Any, h: Any, lo: Any, c: Any, vwap: Any, vol: Any, count: Any
) -> str | None:
    """Return a candle record's line by one template when every value is plain text (else None).

    With ``ensure_ascii=False`` JSON escapes only ``"``, ``\\`` and control characters: text
    without them is written as it is, byte for byte what the encoder writes.
    """
    if count.__class__ is not int:
        return None
    try:
        text = "".join((symbol, time, o, h, lo, c, vwap, vol))
    except TypeError:  # a value that is not text (a Decimal, vwap None)
        return None
    if '"' in text or "\\" in text or not text.isprintable():
        return None
    return (
        f'{{"symbol":"{symbol}","time":"{time}","open":"{o}","high":"{h}","low":"{lo}",'
        f'"close":"{c}","vwap":"{vwap}","volume":"{vol}","count":{count}}}\n'
    )


def columns_of(first: Mapping[str, Any], columns: Sequence[str] | None) -> list[str]:
    """Return ``columns`` then the first record's other keys (all its keys without a spec)."""
    if columns is None:
        return list(first.keys())
    extra = [key for key in first if key not in columns]
    return list(columns) + extra
