"""Client-side pacing of public REST calls: at most N calls per second per endpoint.

Kraken limits public endpoints per IP with no published counter; the guidance is about one call
per second per endpoint (PROTOCOL §4.1). Pacing ahead of time is cheaper than being blocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kraken_cli.errors import BudgetExhaustedError


class PublicPacer:
    """Space calls to the same endpoint ``1 / calls_per_s`` seconds apart (0 disables)."""

    def __init__(
        self,
        calls_per_s: float = 1.0,
        *,
        max_wait_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / calls_per_s if calls_per_s > 0 else 0.0
        #: A call that would wait longer fails at once with BudgetExhaustedError (``krx serve``
        #: answers 429 + Retry-After rather than queueing clients behind Kraken's budget).
        self.max_wait_s = max_wait_s
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
            if self.max_wait_s is not None and slot - now > self.max_wait_s:
                raise BudgetExhaustedError(
                    f"Kraken's public budget for {endpoint} is spent for {slot - now:.1f} s",
                    hint="retry after the Retry-After delay",
                    retry_after=slot - now,
                )
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
