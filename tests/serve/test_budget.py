"""The public pacer's patience: past it, a call fails at once (krx serve: 429 + Retry-After)."""

from __future__ import annotations

import pytest

from kraken_cli.client.pacing import PublicPacer
from kraken_cli.errors import BudgetExhaustedError, RateLimitError
from kraken_cli.serve.problems import retry_after_header, status_for


def test_a_call_that_would_wait_too_long_fails_without_taking_a_slot() -> None:
    now = [100.0]
    slept: list[float] = []
    pacer = PublicPacer(1.0, max_wait_s=2.5, clock=lambda: now[0], sleep=slept.append)
    for _ in range(4):  # slots at 100, 101, 102, 103: the 4th waits 3 s > 2.5
        try:
            pacer.wait("Trades")
        except BudgetExhaustedError as exc:
            assert exc.retry_after == pytest.approx(3.0)
            assert isinstance(exc, RateLimitError) and not exc.retryable
            break
    else:
        raise AssertionError("the fourth call should have been refused")
    assert slept == [1.0, 2.0]
    now[0] = 103.0  # the refused call took no slot: the next one fits
    assert pacer.wait("Trades") == 0.0


def test_budget_errors_are_429_with_a_whole_second_retry_after() -> None:
    error = BudgetExhaustedError("spent", retry_after=2.2)
    assert status_for(error) == 429
    assert retry_after_header(error) == {"Retry-After": "3"}
