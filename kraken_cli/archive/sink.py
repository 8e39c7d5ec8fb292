"""The archive as a stream sink: ``krx stream`` records in, Parquet rows out.

It has the shape of ``output.sink.Sink`` (``write`` for live records, ``write_event`` for
reconnect/backfill/resync, ``close``), so the stream use case runs into it exactly as into
stdout. Writes from several streams (one per channel) are serialised by a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kraken_cli.archive.books import book_rows
from kraken_cli.archive.writer import ArchiveWriter, last_trade, last_trade_uids
from kraken_cli.models.segment import Market
from kraken_cli.output.sink import StreamOnlySink

Record = Mapping[str, Any]
#: Stream ``channel`` values -> archive channels.
CHANNEL_OF = {"trade": "trades", "book": "book", "ticker": "ticker", "ohlc": "candles"}
TICKER_FIELDS = ("bid", "ask", "last", "volume_24h", "vwap_24h", "low_24h", "high_24h")
CANDLE_FIELDS = ("open", "high", "low", "close", "vwap", "volume", "count")
#: How often open parts are checked for their roll period.
ROLL_CHECK_S = 1.0
FUTURES = Market.FUTURES.value


class ArchiveSink(StreamOnlySink):
    """Route stream records into the archive writer; count rows per channel."""

    def __init__(
        self,
        writer: ArchiveWriter,
        *,
        decimals: Mapping[str, tuple[int | None, int | None]],
        depth: int | None,
        on_event: Callable[[Record], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.writer = writer
        self.decimals = decimals
        self.depth = depth
        self.rows: dict[str, int] = dict.fromkeys(CHANNEL_OF.values(), 0)
        self._on_event = on_event
        self._clock = clock
        self._messages: dict[str, int] = {}
        # book message numbers grow across runs (ms of the start, then a counter), so the
        # rows of every run sort into one sequence for a rebuild
        self._first_message = int(clock() * 1000) * 1_000_000
        self._lock = threading.Lock()
        self._next_roll = clock() + ROLL_CHECK_S
        self._closed = False

    def resume_points(self, symbols: Iterable[str]) -> dict[str, tuple[int, str]]:
        """Return, per symbol with archived trades, the last committed ``(trade_id, time)``."""
        points: dict[str, tuple[int, str]] = {}
        if self.writer.market == FUTURES:
            return points  # futures trades have no trade_id: see resume_uids
        for symbol in symbols:
            found = last_trade(self.writer.root, self.writer.market, symbol)
            if found is not None:
                points[symbol] = found
        return points

    def resume_uids(self, symbols: Iterable[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Return, per futures symbol with archived trades, the last committed trade time and
        the uids of the trades at that time (empty for spot, which resumes by trade_id)."""
        points: dict[str, tuple[str, tuple[str, ...]]] = {}
        if self.writer.market != FUTURES:
            return points
        for symbol in symbols:
            found = last_trade_uids(self.writer.root, self.writer.market, symbol)
            if found is not None:
                points[symbol] = found
        return points

    def write(self, record: Record) -> None:
        """Archive one live record."""
        channel = CHANNEL_OF.get(str(record.get("channel")))
        if channel is None:
            return
        symbol = str(record["symbol"])
        with self._lock:
            if self._closed:  # a stream still winding down after the archive stopped
                return
            for row in self._rows(channel, symbol, record):
                self.writer.write(channel, symbol, row)
                self.rows[channel] += 1
            now = self._clock()
            if now >= self._next_roll:
                self._next_roll = now + ROLL_CHECK_S
                self.writer.roll_due()

    def write_event(self, event: Record) -> None:
        """Pass a stream event on (reconnects, backfills and resyncs are worth seeing)."""
        if self._on_event is not None:
            self._on_event(event)

    def close(self) -> None:
        """Commit every open part."""
        with self._lock:
            self._closed = True
            self.writer.close()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _rows(self, channel: str, symbol: str, record: Record) -> Sequence[Record]:
        if channel == "trades":
            return [record]  # each stream record is a new dict: no copy needed
        if channel == "book":
            message = self._messages[symbol] = self._messages.get(symbol, self._first_message) + 1
            price_decimals, lot_decimals = self.decimals.get(symbol, (None, None))
            stamped = record if record.get("time") else {**record, "time": self._now()}
            return book_rows(
                stamped,
                message,
                depth=self.depth,
                price_decimals=price_decimals,
                lot_decimals=lot_decimals,
            )
        if channel == "ticker":
            return [{"time": self._now(), **{name: record.get(name) for name in TICKER_FIELDS}}]
        return [
            {
                "time": record["time"],
                "interval": str(record.get("interval")),
                **{name: record.get(name) for name in CANDLE_FIELDS},
            }
        ]


def open_sink(
    root: Path,
    market: str,
    *,
    decimals: Mapping[str, tuple[int | None, int | None]],
    depth: int | None,
    roll_s: float,
    on_event: Callable[[Record], None] | None = None,
    on_commit: Callable[[Path, int], None] | None = None,
) -> ArchiveSink:
    """Return a sink writing below ``root`` (leftovers of a killed run are removed first)."""
    writer = ArchiveWriter(root, market, roll_s=roll_s, on_commit=on_commit)
    return ArchiveSink(writer, decimals=decimals, depth=depth, on_event=on_event)
