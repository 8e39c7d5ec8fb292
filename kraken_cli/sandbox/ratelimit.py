"""Kraken's spot rate limiters as pure counters with an injected clock.

REST call counter per key (PROTOCOL §4.1): +1 per call, +2 for Ledgers/QueryLedgers/
TradesHistory, 0 for AddOrder/CancelOrder; decays continuously at the tier's rate; a call that
would push the counter above the maximum is refused (and not counted).
Trading counter per pair (§4.2): fixed + age-dependent penalties, decaying per second.
https://docs.kraken.com/api/docs/guides/spot-ratelimits
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Tier:
    """One verification tier's limits."""

    name: str
    max_counter: float
    decay: float
    trade_threshold: float = 60
    trade_decay: float = 1.0
    max_open_orders: int = 60


TIERS: dict[str, Tier] = {
    "starter": Tier("starter", 15, 0.33, 60, 1.0, 60),
    "intermediate": Tier("intermediate", 20, 0.5, 125, 2.34, 80),
    "pro": Tier("pro", 20, 1.0, 180, 3.75, 225),
}

REST_COST: dict[str, int] = {
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


def parse_tier(text: str) -> Tier:
    """Parse ``starter|intermediate|pro|custom:MAX:DECAY_PER_S``."""
    if text.startswith("custom:"):
        _, max_text, decay_text = text.split(":")
        return Tier("custom", float(max_text), float(decay_text))
    try:
        return TIERS[text]
    except KeyError:
        raise ValueError(f"unknown tier {text!r}") from None


class DecayingCounter:
    """A counter that decays linearly with time and refuses increments above a maximum."""

    def __init__(self, maximum: float, decay_per_s: float, clock: Clock) -> None:
        self.maximum = maximum
        self.decay = decay_per_s
        self.clock = clock
        self.value = 0.0
        self.stamp = clock()

    def current(self) -> float:
        """Return the counter after decay up to now."""
        now = self.clock()
        self.value = max(0.0, self.value - (now - self.stamp) * self.decay)
        self.stamp = now
        return self.value

    def try_add(self, cost: float) -> bool:
        """Add ``cost`` if the result stays within the maximum; return whether it did."""
        value = self.current()
        if cost and value + cost > self.maximum:
            return False
        self.value = value + cost
        return True

    def add(self, cost: float) -> None:
        """Add ``cost`` unconditionally (penalties that apply even when refused)."""
        self.value = self.current() + cost


def amend_penalty(age_s: float) -> int:
    """Return the trading-counter cost of an amend of an order ``age_s`` old."""
    return 1 + (3 if age_s < 5 else 2 if age_s < 10 else 1 if age_s < 15 else 0)


def edit_penalty(age_s: float) -> int:
    """Return the trading-counter cost of an edit."""
    for limit, cost in ((5, 6), (10, 5), (15, 4), (45, 2), (90, 1)):
        if age_s < limit:
            return 1 + cost
    return 1


def cancel_penalty(age_s: float) -> int:
    """Return the trading-counter cost of a cancel."""
    for limit, cost in ((5, 8), (10, 6), (15, 5), (45, 4), (90, 2), (300, 1)):
        if age_s < limit:
            return cost
    return 0


class TradingLimiter:
    """Per-pair trading counters (threshold and decay from the tier)."""

    def __init__(self, tier: Tier, clock: Clock) -> None:
        self.tier = tier
        self.clock = clock
        self.counters: dict[str, DecayingCounter] = {}

    def counter(self, pair: str) -> DecayingCounter:
        """Return the counter of a pair, creating it on first use."""
        if pair not in self.counters:
            self.counters[pair] = DecayingCounter(
                self.tier.trade_threshold, self.tier.trade_decay, self.clock
            )
        return self.counters[pair]

    def charge(self, pair: str, cost: int) -> bool:
        """Charge ``cost``; return False (``EOrder:Rate limit exceeded``) over the threshold."""
        return self.counter(pair).try_add(cost)
