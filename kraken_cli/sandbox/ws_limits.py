"""Kraken's WebSocket limits as the sandbox enforces them, so clients can be tested against them.

* Subscriptions (per connection): a token bucket of symbol subscriptions. A subscribe or
  unsubscribe costs one token per symbol (one for a channel without symbols); a request the
  bucket cannot pay is refused whole with Kraken's ``Exceeded msg rate`` error. Kraken does not
  publish the numbers (PROTOCOL §4.3 "UNCONFIRMED"; clients that burst hundreds of symbols get
  ``Exceeded msg rate``), so the defaults are a model: 60 at once, 30 per second after that.
* Connections (per IP, i.e. per sandbox): Cloudflare's ~150 connection attempts per rolling
  10 minutes (§4.3); off unless ``--ws-connect-limit`` is given, because a test session opens
  many short connections to one sandbox.

Counters are readable at ``GET /sandbox/ws`` (a test asserts zero refusals).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

EXCEEDED = "Exceeded msg rate"
WINDOW_S = 600.0


@dataclass
class Bucket:
    """A token bucket: ``burst`` tokens, refilled at ``rate`` per second (rate 0: unlimited)."""

    rate: float
    burst: float
    clock: Callable[[], float]
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.stamp = self.clock()

    def take(self, cost: float) -> bool:
        """Spend ``cost`` tokens if the bucket holds them; tell whether it did."""
        if self.rate <= 0:
            return True
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if cost > self.tokens:
            return False
        self.tokens -= cost
        return True


@dataclass
class WsLimits:
    """The sandbox-wide limit state and the counters a test reads."""

    sub_rate: float
    sub_burst: float
    connect_limit: int
    clock: Callable[[], float]
    connects: int = 0
    connects_refused: int = 0
    subscribed: int = 0
    subscribe_refused: int = 0
    _recent: deque[float] = field(default_factory=deque)

    def bucket(self) -> Bucket:
        """Return a new connection's subscription bucket."""
        return Bucket(self.sub_rate, self.sub_burst, self.clock)

    def admit(self) -> bool:
        """Count a connection attempt; tell whether it is within the per-IP window."""
        now = self.clock()
        while self._recent and now - self._recent[0] >= WINDOW_S:
            self._recent.popleft()
        if self.connect_limit and len(self._recent) >= self.connect_limit:
            self.connects_refused += 1
            return False
        self._recent.append(now)
        self.connects += 1
        return True

    def to_json(self) -> dict[str, float]:
        """Return the counters and settings."""
        return {
            "connects": self.connects,
            "connects_refused": self.connects_refused,
            "subscribed": self.subscribed,
            "subscribe_refused": self.subscribe_refused,
            "sub_rate": self.sub_rate,
            "sub_burst": self.sub_burst,
            "connect_limit": self.connect_limit,
        }
