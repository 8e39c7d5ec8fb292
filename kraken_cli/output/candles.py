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

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from operator import attrgetter
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

_SYMBOL, _TIME, _COUNT, _TEXTS = map(attrgetter, ("symbol", "time", "count", "texts"))
Texts = tuple[str, str, str, str, str, str]
Counts = Iterable[int | None]
Rows = list[str]


def write_candles(
    sink: StdoutSink, candles: Iterable[Candle], *, view: TableView | None = None
) -> int:
    """Write candles in the sink's format, byte for byte the general renderer's; return how many."""
    if sink.picked or sink.fmt == "table" or (view is not None and view.table_only):
        return sink.write_records((c.to_record() for c in candles), CANDLE, view=view)
    rows = _Rows(sink.fmt)
    batches = _batches(candles)
    if sink.fmt == "json":  # one document: ``json.dumps(records, indent=2)``, element by element
        parts = [row for batch in batches for row in rows.of(batch)]
        sink.write_text(("[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n",))
        return len(parts)
    count = 0

    def texts() -> Iterator[str]:
        nonlocal count
        if sink.fmt == "csv":
            yield _csv_row(CANDLE)  # the header, even without rows
        for batch in batches:
            count += len(batch)
            yield "".join(rows.of(batch))

    sink.write_text(texts())
    return count


def _batches(candles: Iterable[Candle]) -> Iterator[list[Candle]]:
    """Yield candles BATCH at a time; if they fail midway, those made before are yielded first."""
    it = iter(candles)
    while True:
        batch: list[Candle] = []
        try:
            batch.extend(islice(it, BATCH))  # keeps what came before an exception
        except BaseException:
            if batch:  # written as the general renderer would have, then the error
                yield batch
            raise
        if not batch:
            return
        yield batch


class _Rows:
    """``candle -> its row text`` in one format (jsonl line, csv row, or json array element)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._symbols: dict[str, str] = {}  # symbol -> its text in this format
        self._general = {"jsonl": _jsonl_general, "csv": _csv_general, "json": _json_general}[fmt]
        self._template = _TEMPLATES[fmt]

    def of(self, batch: list[Candle]) -> Iterable[str]:
        """Return a batch's rows; a batch of ScaledCandles of one symbol column by column."""
        symbols = set(map(_SYMBOL, batch))
        if len(symbols) == 1 and set(map(type, batch)) == {ScaledCandle}:
            try:
                texts = list(map(_TEXTS, batch))
            except AttributeError:  # one was made by dataclasses.replace: ordinary fields
                return map(self, batch)
            (sym,) = symbols
            esc = self._symbols.get(sym) or self._symbol(sym)
            times = map(iso_from_unix, map(_TIME, batch))
            # the texts are decimal numbers (the aggregator writes them): nothing to escape
            return self._template(esc, times, texts, map(_COUNT, batch))
        return map(self, batch)

    def __call__(self, candle: Candle) -> str:
        """Return one candle's row (a batch of other candles: row by row)."""
        return "".join(self.of([candle])) if self._fast(candle) else self._general(candle)

    @staticmethod
    def _fast(candle: Candle) -> bool:
        return candle.__class__ is ScaledCandle and hasattr(candle, "texts")

    def _symbol(self, sym: str) -> str:
        text = _csv_row([cell_text(sym)])[:-1] if self.fmt == "csv" else COMPACT.encode(sym)
        if len(self._symbols) >= 4096:
            self._symbols.clear()
        self._symbols[sym] = text
        return text


# Rows of a batch of one symbol: its text in the format, ISO times, number texts, counts.
def _jsonl_rows(sym: str, times: Iterable[str], texts: Iterable[Texts], counts: Counts) -> Rows:
    return [
        f'{{"symbol":{sym},"time":"{t}","open":"{o}","high":"{h}","low":"{lo}","close":"{c}",'
        f'"vwap":"{vwap}","volume":"{vol}","count":{n}}}\n'
        for t, (o, h, lo, c, vwap, vol), n in zip(times, texts, counts, strict=True)
    ]


def _csv_rows(sym: str, times: Iterable[str], texts: Iterable[Texts], counts: Counts) -> Rows:
    return [
        f"{sym},{t},{o},{h},{lo},{c},{vwap},{vol},{n}\n"
        for t, (o, h, lo, c, vwap, vol), n in zip(times, texts, counts, strict=True)
    ]


def _json_rows(sym: str, times: Iterable[str], texts: Iterable[Texts], counts: Counts) -> Rows:
    return [
        f'  {{\n    "symbol": {sym},\n    "time": "{t}",\n    "open": "{o}",\n'
        f'    "high": "{h}",\n    "low": "{lo}",\n    "close": "{c}",\n    "vwap": "{vwap}",\n'
        f'    "volume": "{vol}",\n    "count": {n}\n  }}'
        for t, (o, h, lo, c, vwap, vol), n in zip(times, texts, counts, strict=True)
    ]


_TEMPLATES = {"jsonl": _jsonl_rows, "csv": _csv_rows, "json": _json_rows}


def _csv_row(cells: Iterable[str]) -> str:
    import csv  # the csv format only
    import io

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
