"""Client-side pacing of public REST calls: at most N calls per second per endpoint.

Kraken limits public endpoints per IP with no published counter; the guidance is about one call
per second per endpoint (PROTOCOL §4.1). Pacing ahead of time is cheaper than being blocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class PublicPacer:
    """Space calls to the same endpoint ``1 / calls_per_s`` seconds apart (0 disables)."""

    def __init__(
        self,
        calls_per_s: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / calls_per_s if calls_per_s > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, endpoint: str) -> float:
        """Block until ``endpoint`` may be called again; return the seconds slept."""
        with self._lock:
            now = self._clock()
            ready = self._next.get(endpoint, now)
            slot = max(now, ready)
            self._next[endpoint] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def penalize(self, endpoint: str, seconds: float) -> None:
        """Push the next allowed call of ``endpoint`` back (after a rate-limit reply)."""
        with self._lock:
            now = self._clock()
            self._next[endpoint] = max(self._next.get(endpoint, now), now + seconds)
