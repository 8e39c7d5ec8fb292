"""A small, bounded cache of finished answers (serialized JSON) with per-entry expiry.

Candles that have closed never change, so an answer is valid until the next candle of its
interval closes. Each answer is kept under two keys: the request's own URL (path and query),
which the gate (serve/gate.py) answers from before the framework parses anything, and the
window aligned to candle opens, which the route uses so that every URL selecting the same
candles shares one entry. Bounded by entry count (least recently used out first), so random
queries cannot grow memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import NamedTuple

MAX_ENTRIES = 1024


class Answer(NamedTuple):
    """A finished answer: its JSON bytes and the route template it came from (for metrics)."""

    body: bytes
    route: str


def url_key(path: str, query: bytes) -> tuple[str, str, bytes]:
    """Return the key of a request's own URL."""
    return ("url", path, query)


class AnswerCache:
    """Serialized answers by key, each valid until its own expiry (monotonic seconds)."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Answer]] = OrderedDict()
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Answer | None:
        """Return the live answer for ``key``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, answer = entry
            if self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return answer

    def put(self, keys: tuple[Hashable, ...], answer: Answer, ttl_s: float) -> None:
        """Keep ``answer`` under each of ``keys`` for ``ttl_s`` seconds (not at all if <= 0)."""
        if ttl_s <= 0:
            return
        with self._lock:
            for key in keys:
                self._entries[key] = (self._clock() + ttl_s, answer)
                self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
