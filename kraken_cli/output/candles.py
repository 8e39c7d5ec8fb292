"""Candles as text without a record dict per candle: the hot path of long candle histories.

A candle built from trades (:class:`~kraken_cli.models.market.ScaledCandle`) carries its numbers
as decimal text already, so jsonl, csv and json rows are one template each, filled straight from
the candle: no ``to_record`` dict, no generic encoder, one write per batch of rows. Any other
candle (OHLC's Decimals, a ``--fill`` flat one, an archive row without vwap) is rendered by the
general renderer, row by row, so the bytes are always exactly what
:func:`kraken_cli.output.render.render` writes for ``candle.to_record()`` (tests pin it).
Tables, ``--columns`` and views with table-only figures take the general path whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from kraken_cli.models.market import Candle, ScaledCandle
from kraken_cli.models.times import iso_from_unix
from kraken_cli.output.cells import COMPACT, cell_text, jsonl_line, plain
from kraken_cli.output.columns import CANDLE
from kraken_cli.output.sanitize import csv_safe

if TYPE_CHECKING:
    from kraken_cli.output.sink import StdoutSink
    from kraken_cli.output.views import TableView

#: Rows joined into one write (``krx candles ... | head`` still stops at the first failed write).
BATCH = 512

RowText = Callable[[Candle], str]


def write_candles(
    sink: StdoutSink, candles: Iterable[Candle], *, view: TableView | None = None
) -> int:
    """Write candles in the sink's format, byte for byte the general renderer's; return how many."""
    if sink.picked or sink.fmt == "table" or (view is not None and view.table_only):
        return sink.write_records((c.to_record() for c in candles), CANDLE, view=view)
    if sink.fmt == "json":
        return _write_json(sink, candles)
    row = _Rows(sink.fmt)
    if sink.fmt == "csv":
        sink.write_text(iter((_csv_row(CANDLE),)))
    count = 0

    def rows() -> Iterator[str]:
        nonlocal count
        for batch in _batches(candles):
            count += len(batch)
            yield "".join(map(row, batch))

    sink.write_text(rows())
    return count


def _write_json(sink: StdoutSink, candles: Iterable[Candle]) -> int:
    """Write the pretty JSON array ``json.dumps(records, indent=2)`` writes, element by element."""
    element = _Rows("json")
    parts = [element(c) for c in candles]
    sink.write_text(iter(("[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n",)))
    return len(parts)


def _batches(candles: Iterable[Candle]) -> Iterator[list[Candle]]:
    batch: list[Candle] = []
    append = batch.append
    for candle in candles:
        append(candle)
        if len(batch) >= BATCH:
            yield batch
            batch.clear()
    if batch:
        yield batch


class _Rows:
    """``candle -> its row text`` in one format (jsonl line, csv row, or json array element)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._symbols: dict[str, str] = {}  # symbol -> its text in this format
        self._general = {"jsonl": _jsonl_general, "csv": _csv_general, "json": _json_general}[fmt]
        self._template = _TEMPLATES[fmt]

    def __call__(self, candle: Candle) -> str:
        """Return the candle's row: one template when it is a ScaledCandle, else the general."""
        if candle.__class__ is not ScaledCandle:
            return self._general(candle)
        try:
            o, h, lo, c, vwap, vol = candle.texts
        except AttributeError:  # made by dataclasses.replace: ordinary fields
            return self._general(candle)
        sym = candle.symbol
        esc = self._symbols.get(sym) or self._symbol(sym)
        # the texts are decimal numbers (the aggregator writes them): nothing to escape or quote
        return self._template.format(
            esc, iso_from_unix(candle.time), o, h, lo, c, vwap, vol, candle.count
        )

    def _symbol(self, sym: str) -> str:
        text = _csv_row([cell_text(sym)])[:-1] if self.fmt == "csv" else COMPACT.encode(sym)
        if len(self._symbols) >= 4096:
            self._symbols.clear()
        self._symbols[sym] = text
        return text


#: Row templates: symbol (already in the format's text), time, the six numbers, count.
_TEMPLATES = {
    "jsonl": (
        '{{"symbol":{},"time":"{}","open":"{}","high":"{}","low":"{}","close":"{}",'
        '"vwap":"{}","volume":"{}","count":{}}}\n'
    ),
    "csv": "{},{},{},{},{},{},{},{},{}\n",
    "json": (
        '  {{\n    "symbol": {},\n    "time": "{}",\n    "open": "{}",\n    "high": "{}",\n'
        '    "low": "{}",\n    "close": "{}",\n    "vwap": "{}",\n    "volume": "{}",\n'
        '    "count": {}\n  }}'
    ),
}


def _csv_row(cells: Iterable[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([csv_safe(cell) for cell in cells])
    return buf.getvalue()


def _jsonl_general(candle: Candle) -> str:
    return jsonl_line(candle.to_record())


def _csv_general(candle: Candle) -> str:
    record = candle.to_record()
    return _csv_row(cell_text(record.get(key)) for key in CANDLE)


def _json_general(candle: Candle) -> str:
    return json.dumps([plain(candle.to_record())], indent=2, ensure_ascii=False)[2:-2]
