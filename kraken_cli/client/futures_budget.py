"""Kraken Futures' private REST budget (PROTOCOL §7.6), paced on the client side.

Futures meters private calls in points: 500 per 10 s, refilled continuously, each endpoint
costing its own number of points. krx spends them before a call and sleeps when short, so a
burst waits instead of drawing ``apiLimitExceeded``. Clock and sleep are injected for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: §7.6 cost of each private /derivatives endpoint in the 500-per-10-s budget.
COSTS = {
    "sendorder": 10,
    "editorder": 10,
    "cancelorder": 10,
    "cancelallorders": 25,
    "cancelallordersafter": 25,
    "accounts": 2,
    "openpositions": 2,
    "openorders": 2,
    "fills": 2,
}
FILLS_SINCE_COST = 25


class FuturesBudget:
    """Client-side pacing of the §7.6 budget: ``capacity`` points refilled over ``window_s``."""

    def __init__(
        self,
        capacity: float = 500.0,
        window_s: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / window_s
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._at = clock()
        self._lock = threading.Lock()

    def spend(self, cost: float) -> float:
        """Take ``cost`` points, sleeping first if the budget is short; return seconds slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= cost
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait

    def penalize(self) -> None:
        """Empty the budget after an ``apiLimitExceeded`` so the next call waits a full refill."""
        with self._lock:
            self._tokens = min(self._tokens, 0.0)
            self._at = self._clock()
