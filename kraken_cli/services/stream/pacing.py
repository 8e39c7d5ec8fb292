"""Staying inside Kraken's WebSocket limits when many symbols are subscribed.

* ``SubscribePacer`` (one per connection): subscriptions leave in batches of at most ``batch``
  symbols, spent from a token bucket of ``rate`` symbols per second (``burst`` at once). Kraken
  answers a burst of hundreds of symbols with ``Exceeded msg rate`` and publishes no numbers
  (PROTOCOL §4.3), so krx paces ahead of time; the defaults of ``krx archive --all`` stay under
  the sandbox's model of the limit (``sandbox/ws_limits.py``) with a margin.
* ``ConnectGate`` (one per process): Cloudflare allows ~150 connection attempts per rolling
  10 minutes per IP and bans the IP for 10 minutes past that; every connection of the process
  (first connects and reconnects of all shards) passes the gate, which keeps them under a
  budget and spaces them.

Both take an injected clock and sleep.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

#: Kraken's reply to a client that subscribes faster than its (unpublished) message rate.
EXCEEDED = "exceeded msg rate"


def batches(symbols: Sequence[str], size: int) -> Iterator[list[str]]:
    """Split ``symbols`` into lists of at most ``size`` (``size`` 0: one list)."""
    if size <= 0:
        yield list(symbols)
        return
    for start in range(0, len(symbols), size):
        yield list(symbols[start : start + size])


@dataclass
class SubscribePacer:
    """A token bucket of symbol subscriptions for one connection (``rate`` 0: no pacing)."""

    rate: float = 0.0
    burst: float = 0.0
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start full (a new connection has a fresh budget)."""
        self.tokens = max(self.burst, 1.0)
        self.stamp = self.clock()

    def take(self, cost: int) -> bool:
        """Spend ``cost`` tokens if there are enough now; tell whether it did."""
        if self.rate <= 0:
            return True
        now = self.clock()
        self.tokens = min(max(self.burst, 1.0), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        # a batch larger than the burst waits for a full bucket, then goes
        if self.tokens < min(cost, max(self.burst, 1.0)):
            return False
        self.tokens -= cost
        return True

    def penalize(self, seconds: float) -> None:
        """Empty the bucket and hold it for ``seconds`` (after an ``Exceeded msg rate``)."""
        self.tokens = -seconds * self.rate
        self.stamp = self.clock()


class ConnectGate:
    """At most ``budget`` connects per ``window_s`` for the whole process, ``spacing_s`` apart."""

    def __init__(
        self,
        budget: int = 100,
        window_s: float = 600.0,
        spacing_s: float = 0.25,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.budget = budget
        self.window_s = window_s
        self.spacing_s = spacing_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self.connects = 0

    def wait(self) -> float:
        """Block until one more connect is allowed; return the seconds waited."""
        with self._lock:
            now = self._clock()
            while self._recent and now - self._recent[0] >= self.window_s:
                self._recent.popleft()
            slot = now
            if self._recent:
                slot = max(slot, self._recent[-1] + self.spacing_s)
            if len(self._recent) >= self.budget:
                slot = max(slot, self._recent[-self.budget] + self.window_s)
            self._recent.append(slot)
            self.connects += 1
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay
