"""A small, bounded cache of finished answers (serialized JSON) with per-entry expiry.

Candles that have closed never change, so an answer is valid until the next candle of its
interval closes; the key aligns the window to candle opens, so every request within one
candle period (a moving ``days=7`` window included) shares the entry. Bounded by entry count
(least recently used out first), so random queries cannot grow memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_ENTRIES = 512


class AnswerCache:
    """Serialized answers by key, each valid until its own expiry (monotonic seconds)."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """Return the live answer for ``key``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, body = entry
            if self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes, ttl_s: float) -> None:
        """Keep ``body`` for ``ttl_s`` seconds (nothing is kept for ttl <= 0)."""
        if ttl_s <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + ttl_s, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
