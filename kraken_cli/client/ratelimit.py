"""Kraken's spot REST call counter, modelled locally so bursts are paced instead of locked out.

https://docs.kraken.com/api/docs/guides/spot-ratelimits: every key has a counter that each
private call raises (+1; +2 for Ledgers/QueryLedgers/TradesHistory; AddOrder, CancelOrder,
EditOrder, AmendOrder use the trading limiter instead) and that decays continuously at the
tier's rate; a call that would take it over the tier's maximum fails with
``EAPI:Rate limit exceeded`` and may lock the key out for a while.

krx keeps the counter in the key's locked state file (``client.nonce.KeyState``), so every krx
process on the key sees the same counter: a call sleeps until it fits under the maximum, then
charges its cost. The decay arithmetic is pure (clock injected) for tests.

The per-pair trading counter (§4.2) is Kraken's to keep; krx only estimates how long to wait
when Kraken reports ``EOrder:Rate limit exceeded``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kraken_cli.client.nonce import KeyState
from kraken_cli.config.settings import KrxOptions
from kraken_cli.errors import BudgetExhaustedError, ConfigError


@dataclass(frozen=True)
class Tier:
    """The REST counter limits of a verification tier, and its trading-counter decay."""

    name: str
    max_counter: float
    decay_per_s: float
    #: Per-pair trading counter decay (§4.2), used to size the wait after EOrder:Rate limit.
    trading_decay_per_s: float = 1.0


TIERS: dict[str, Tier] = {
    "starter": Tier("starter", 15.0, 0.33, 1.0),
    "intermediate": Tier("intermediate", 20.0, 0.5, 2.34),
    "pro": Tier("pro", 20.0, 1.0, 3.75),
}

#: REST counter cost per method; anything not listed costs 1.
COSTS: dict[str, int] = {
    "Ledgers": 2,
    "QueryLedgers": 2,
    "TradesHistory": 2,
    "AddOrder": 0,
    "AddOrderBatch": 0,
    "CancelOrder": 0,
    "CancelOrderBatch": 0,
    "EditOrder": 0,
    "AmendOrder": 0,
}

#: Trading-counter cost of a non-placing order call in its worst case (§4.2, age < 5 s).
TRADING_COSTS: dict[str, float] = {
    "CancelOrder": 8.0,
    "AmendOrder": 4.0,
    "CancelAll": 8.0,
    "CancelOrderBatch": 8.0,
}


def cost_of(method: str) -> int:
    """Return the REST counter cost of a private method."""
    return COSTS.get(method, 1)


def tier_for(options: KrxOptions) -> Tier:
    """Return the tier configured in ``krx.tier`` (``custom`` needs max counter and decay)."""
    name = options.tier.lower()
    if name == "custom":
        if not options.custom_max_counter or not options.custom_decay_per_s:
            raise ConfigError(
                "krx.tier is custom but custom_max_counter / custom_decay_per_s are not set",
                hint="set both, e.g. custom_max_counter: 20, custom_decay_per_s: 0.5",
            )
        return Tier("custom", float(options.custom_max_counter), float(options.custom_decay_per_s))
    try:
        return TIERS[name]
    except KeyError:
        raise ConfigError(
            f"unknown krx.tier {options.tier!r}",
            hint="use starter, intermediate, pro or custom",
        ) from None


def decayed(counter: float, at: float, now: float, decay_per_s: float) -> float:
    """Return the counter value at ``now`` given its value at ``at`` (never below 0)."""
    elapsed = max(0.0, now - at)  # a clock stepping back never inflates the counter
    return max(0.0, counter - elapsed * decay_per_s)


def wait_needed(value: float, cost: float, ceiling: float, decay_per_s: float) -> float:
    """Return the seconds until ``value`` has decayed enough for ``cost`` to fit the ceiling."""
    excess = value + cost - ceiling
    if excess <= 0:
        return 0.0
    return excess / decay_per_s


class RateLimiter:
    """Paces calls on one key against the shared counter kept in its :class:`KeyState`."""

    def __init__(
        self,
        tier: Tier,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        headroom: float = 0.5,
        max_wait_s: float | None = None,
    ) -> None:
        # Wall time, not monotonic: the counter is shared through a file between processes.
        self.tier = tier
        self._clock = clock
        self._sleep = sleep
        # Kraken charges when the request arrives, a little after we do; keeping half a call of
        # headroom absorbs that and rounding without costing throughput (decay sets the pace).
        self.ceiling = max(1.0, tier.max_counter - headroom)
        #: A call that would wait longer fails at once with BudgetExhaustedError, uncharged
        #: (``krx serve`` answers 429 + Retry-After instead of queueing clients on the key).
        self.max_wait_s = max_wait_s
        #: Total seconds this limiter slept (for benchmarks and debug logs).
        self.waited = 0.0

    def current(self, state: KeyState) -> float:
        """Return the counter of ``state`` decayed to now."""
        return decayed(state.counter, state.counter_at, self._clock(), self.tier.decay_per_s)

    def now(self) -> float:
        """Return the limiter's clock (wall seconds): when a caller starts asking."""
        return self._clock()

    def admit(self, state: KeyState, method: str, *, asked_at: float | None = None) -> float:
        """Sleep until ``method`` fits under the maximum, then charge it; return the wait.

        ``asked_at``: when the caller started waiting for the key (queued behind other calls);
        that time counts against ``max_wait_s`` too.
        """
        cost = cost_of(method)
        now = self._clock()
        value = decayed(state.counter, state.counter_at, now, self.tier.decay_per_s)
        wait = wait_needed(value, cost, self.ceiling, self.tier.decay_per_s) if cost else 0.0
        queued = max(0.0, now - asked_at) if asked_at is not None else 0.0
        if self.max_wait_s is not None and queued + wait > self.max_wait_s:
            raise BudgetExhaustedError(
                f"the key's call counter is full for {wait:.1f} s ({self.tier.name} tier)",
                hint="retry after the Retry-After delay",
                retry_after=max(wait, 1.0),
            )
        if wait > 0:
            self._sleep(wait)
            self.waited += wait
            now = self._clock()
            value = decayed(state.counter, state.counter_at, now, self.tier.decay_per_s)
        state.counter = value + cost
        state.counter_at = now
        return wait

    def budget(self, state: KeyState) -> dict[str, float]:
        """Return the key's counter now, Kraken's maximum and the room left before it."""
        value = self.current(state)
        top = self.tier.max_counter
        return {"counter": round(value, 3), "max": top, "headroom": round(top - value, 3)}

    def penalize(self, state: KeyState) -> None:
        """Kraken said ``EAPI:Rate limit exceeded``: assume the counter is full from now."""
        state.counter = self.tier.max_counter
        state.counter_at = self._clock()

    def order_rate_wait(self, method: str) -> float:
        """Return how long to wait after ``EOrder:Rate limit exceeded`` on ``method``."""
        return TRADING_COSTS.get(method, 1.0) / self.tier.trading_decay_per_s
