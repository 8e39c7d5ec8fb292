"""The config's subscriptions kept live in the background: books, trades, candles and health.

``krx serve`` runs the active subscriptions of the config through the same stream use case as
``krx stream`` (checksummed books, reconnects, gapless trades) into :class:`LiveState`, which
keeps the latest verified book per symbol, recent trades and candles, and each stream's
health. When the stream gives up (Kraken unreachable past the reconnect budget), serve waits
and starts it again: it keeps answering (from caches and REST), reporting itself degraded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kraken_cli.output.sink import StreamOnlySink

Record = Mapping[str, Any]
RECENT_TRADES = 1000
#: Candles kept per symbol and interval (the forming one and the last few closed).
RECENT_CANDLES = 16
#: A subscription whose last message is older than this counts as not live.
STALE_S = 30.0
RESTART_DELAY_S = 5.0


@dataclass
class StreamHealth:
    """One channel and symbol's counters (``/api/exchanges/runtime-proof``)."""

    channel: str
    symbol: str
    last_message: float | None = None
    reconnects: int = 0
    checksum_failures: int = 0
    resyncs: int = 0
    gaps_repaired: int = 0

    def record(self, now: float) -> dict[str, Any]:
        """Return the runtime-proof entry."""
        age = None if self.last_message is None else round((now - self.last_message) * 1000)
        return {
            "channel": self.channel,
            "symbol": self.symbol,
            "connected": age is not None and age < STALE_S * 1000,
            "lastMessageAgeMs": age,
            "reconnects": self.reconnects,
            "checksumFailures": self.checksum_failures,
            "resyncs": self.resyncs,
            "gapsRepaired": self.gaps_repaired,
        }


@dataclass
class LiveState(StreamOnlySink):
    """A stream sink that keeps what the routes answer from, and the streams' health."""

    clock: Callable[[], float] = time.monotonic
    books: dict[str, Record] = field(default_factory=dict)
    trades: dict[str, deque[Record]] = field(default_factory=dict)
    candles: dict[tuple[str, Any], dict[str, Record]] = field(default_factory=dict)
    health: dict[tuple[str, str], StreamHealth] = field(default_factory=dict)
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, record: Record) -> None:
        """Keep one live record."""
        channel, symbol = str(record.get("channel")), str(record.get("symbol"))
        with self._lock:
            self._health(channel, symbol).last_message = self.clock()
            if channel == "book":
                self.books[symbol] = record
            elif channel == "trade":
                self.trades.setdefault(symbol, deque(maxlen=RECENT_TRADES)).append(record)
            elif channel == "ohlc":
                kept = self.candles.setdefault((symbol, record.get("interval")), {})
                kept[str(record.get("time"))] = record  # an update replaces its candle
                if len(kept) > RECENT_CANDLES:
                    del kept[min(kept)]

    def write_event(self, event: Record) -> None:
        """Count reconnects, resyncs and repaired gaps."""
        name = event.get("event")
        with self._lock:
            if name == "reconnect":
                for health in self.health.values():
                    health.reconnects += 1
                return
            health = self._health(str(event.get("channel")), str(event.get("symbol")))
            if name == "resync":
                health.resyncs += 1
                if "checksum" in str(event.get("reason", "")):
                    health.checksum_failures += 1
            elif name == "backfill":
                health.gaps_repaired += 1

    def close(self) -> None:
        """Nothing to flush."""

    def book(self, symbol: str) -> Record | None:
        """Return the latest verified book of ``symbol`` when it is fresh, else None."""
        with self._lock:
            health = self.health.get(("book", symbol))
            seen = None if health is None else health.last_message
            if seen is None or self.clock() - seen > STALE_S:
                return None
            return self.books.get(symbol)

    def recent_trades(self, symbol: str) -> list[Record]:
        """Return the trades of ``symbol`` the stream has seen lately, oldest first."""
        with self._lock:
            return list(self.trades.get(symbol, ()))

    def recent_candles(self, symbol: str, minutes: int) -> list[Record]:
        """Return the candles of ``symbol`` at ``minutes`` the stream has seen lately."""
        with self._lock:
            return list(self.candles.get((symbol, minutes), {}).values())

    def streams(self) -> list[dict[str, Any]]:
        """Return every stream's runtime-proof entry."""
        now = self.clock()
        with self._lock:
            return [h.record(now) for h in self.health.values()]

    def _health(self, channel: str, symbol: str) -> StreamHealth:
        key = (channel, symbol)
        found = self.health.get(key)
        if found is None:
            found = self.health[key] = StreamHealth(channel, symbol)
        return found


def keep_live(
    run: Callable[[LiveState], None], state: LiveState, stop: threading.Event,
    on_error: Callable[[BaseException], None] | None = None,
) -> threading.Thread:  # fmt: skip
    """Run the subscriptions into ``state`` in a thread; restart them after a failure."""

    def loop() -> None:
        while not stop.is_set():
            try:
                run(state)
            except BaseException as exc:  # the server stays up; runtime-proof shows it
                state.failures += 1
                if on_error is not None:
                    on_error(exc)
            stop.wait(RESTART_DELAY_S)

    thread = threading.Thread(target=loop, name="krx-serve-subscriptions", daemon=True)
    thread.start()
    return thread
