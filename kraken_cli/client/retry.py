"""Bounded retries with exponential backoff and full jitter, shared by public and private calls.

Nothing retries forever: a :class:`RetryPolicy` caps both the number of attempts and the total
time spent (sleeps included). The clock, sleep and random source are injected so tests never
sleep. Private calls reuse :func:`run_with_retry` with a closure that signs a fresh nonce on
every attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from kraken_cli.errors import KrxError, RateLimitError

T = TypeVar("T")


class RetryPolicy(NamedTuple):
    """How often and how long an idempotent call may be retried.

    A NamedTuple, not a dataclass: every command makes one, and a NamedTuple class costs
    about a tenth as much to create (start-up, issue 17).
    """

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    total_budget: float = 30.0
    #: Rate-limit errors back off from a longer base: the counter needs time to decay.
    rate_limit_base_delay: float = 2.0
    rate_limit_max_delay: float = 15.0

    @classmethod
    def none(cls) -> RetryPolicy:
        """Return a policy that makes exactly one attempt."""
        return cls(max_attempts=1)


def jitter() -> float:
    """Return a random float in [0, 1): the default random source of the backoff."""
    import random  # on the first retry only: it costs a one-shot command ~1.5 ms to import

    return random.random()


def backoff_delay(
    policy: RetryPolicy,
    attempt: int,
    rng: Callable[[], float] = jitter,
    *,
    rate_limited: bool = False,
) -> float:
    """Return the sleep before retry ``attempt`` (1 = first retry): full jitter, capped."""
    base = policy.rate_limit_base_delay if rate_limited else policy.base_delay
    cap = policy.rate_limit_max_delay if rate_limited else policy.max_delay
    ceiling = min(cap, base * (2.0 ** max(attempt - 1, 0)))
    if rate_limited:
        # Half fixed, half jitter: a rate-limited caller must really wait, not retry at once.
        return ceiling / 2 + rng() * ceiling / 2
    return rng() * ceiling


def is_retryable(exc: BaseException) -> bool:
    """Tell whether an idempotent request may be sent again after ``exc``."""
    return isinstance(exc, KrxError) and bool(getattr(exc, "retryable", False))


def run_with_retry(
    attempt_fn: Callable[[int], T],
    policy: RetryPolicy,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = jitter,
    wall: Callable[[], float] = time.time,
    on_retry: Callable[[int, float, KrxError], None] | None = None,
) -> T:
    """Call ``attempt_fn(attempt)`` until it succeeds, fails for good, or the budget is spent.

    ``attempt`` counts from 1. Non-retryable errors propagate at once; when the attempts or the
    total budget run out the last error propagates with a hint saying so.
    """
    start = clock()
    attempt = 1
    while True:
        try:
            return attempt_fn(attempt)
        except KrxError as exc:
            if not is_retryable(exc):
                raise
            rate_limited = isinstance(exc, RateLimitError)
            delay = backoff_delay(policy, attempt, rng, rate_limited=rate_limited)
            if exc.retry_after is not None:
                delay = max(delay, exc.retry_after)
            if exc.retry_at is not None:
                delay = max(delay, exc.retry_at - wall())
            spent = clock() - start
            if attempt >= policy.max_attempts or spent + delay > policy.total_budget:
                _note_gave_up(exc, attempt, spent)
                raise
            if on_retry is not None:
                on_retry(attempt, delay, exc)
            sleep(delay)
            attempt += 1


def _note_gave_up(exc: KrxError, attempts: int, spent: float) -> None:
    if attempts <= 1:
        return
    note = f"gave up after {attempts} attempts in {spent:.1f} s"
    exc.hint = f"{exc.hint}; {note}" if exc.hint else note
