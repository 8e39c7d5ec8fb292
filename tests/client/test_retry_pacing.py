"""Pure tests of the backoff formula, the retry loop and the public pacer (no real sleeping)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy, backoff_delay, run_with_retry
from kraken_cli.errors import KrxError, NetworkError, RateLimitError, UsageError
from tests.support.fakes import FakeClock


@given(
    attempt=st.integers(min_value=1, max_value=50),
    r=st.floats(min_value=0.0, max_value=0.999999),
    rate_limited=st.booleans(),
)
def test_backoff_is_bounded_and_jittered(attempt: int, r: float, rate_limited: bool) -> None:
    policy = RetryPolicy()
    delay = backoff_delay(policy, attempt, lambda: r, rate_limited=rate_limited)
    cap = policy.rate_limit_max_delay if rate_limited else policy.max_delay
    assert 0.0 <= delay <= cap


def test_backoff_grows_exponentially_until_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    ceilings = [backoff_delay(policy, n, lambda: 0.999999999) for n in range(1, 8)]
    assert [round(c, 3) for c in ceilings] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff_delay(policy, 3, lambda: 0.0) == 0.0


def test_non_retryable_propagates_at_once() -> None:
    ft = FakeClock(start=0.0)
    calls: list[int] = []

    def fn(attempt: int) -> int:
        calls.append(attempt)
        raise UsageError("bad")

    with pytest.raises(UsageError):
        run_with_retry(fn, RetryPolicy(), clock=ft, sleep=ft.sleep)
    assert calls == [1]
    assert ft.slept == []


def test_attempt_number_is_passed_and_success_returns() -> None:
    ft = FakeClock(start=0.0)

    def fn(attempt: int) -> int:
        if attempt < 3:
            raise NetworkError("flaky")
        return attempt

    assert run_with_retry(fn, RetryPolicy(), clock=ft, sleep=ft.sleep, rng=lambda: 1.0) == 3
    assert ft.slept == [0.5, 1.0]


def test_retry_after_is_honoured() -> None:
    ft = FakeClock(start=0.0)
    seen: list[float] = []

    def fn(attempt: int) -> str:
        if attempt == 1:
            raise _retryable(3.0)
        return "ok"

    def on_retry(n: int, delay: float, exc: KrxError) -> None:
        seen.append(delay)

    assert run_with_retry(fn, RetryPolicy(), clock=ft, sleep=ft.sleep, on_retry=on_retry)
    assert seen == [3.0]


def _retryable(after: float) -> NetworkError:
    return NetworkError("later", retry_after=after)


def test_throttled_until_timestamp() -> None:
    ft = FakeClock(start=0.0)
    err = RateLimitError("Kraken: EService: Throttled: 12")
    err.retry_at = 12.0
    replies: list[RateLimitError | None] = [err, None]

    def fn(attempt: int) -> str:
        e = replies.pop(0)
        if e is not None:
            raise e
        return "ok"

    run_with_retry(fn, RetryPolicy(), clock=ft, sleep=ft.sleep, wall=ft)
    assert ft.slept == [12.0]


def test_pacer_spaces_same_endpoint_only() -> None:
    ft = FakeClock(start=0.0)
    pacer = PublicPacer(2.0, clock=ft, sleep=ft.sleep)
    assert pacer.wait("Trades") == 0.0
    assert pacer.wait("OHLC") == 0.0
    assert pacer.wait("Trades") == 0.5
    ft.now += 10
    assert pacer.wait("Trades") == 0.0
    assert ft.slept == [0.5]


def test_pacer_disabled_with_zero_rate() -> None:
    ft = FakeClock(start=0.0)
    pacer = PublicPacer(0, clock=ft, sleep=ft.sleep)
    for _ in range(5):
        pacer.wait("Time")
    assert ft.slept == []


def test_pacer_penalize_pushes_next_call() -> None:
    ft = FakeClock(start=0.0)
    pacer = PublicPacer(1.0, clock=ft, sleep=ft.sleep)
    pacer.wait("Ticker")
    pacer.penalize("Ticker", 5.0)
    assert pacer.wait("Ticker") == 5.0
