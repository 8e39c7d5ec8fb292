"""The REST call counter: pure decay, pacing with an injected clock, sharing across processes."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from kraken_cli.client.nonce import KeyState, NonceSource
from kraken_cli.client.ratelimit import (
    RateLimiter,
    Tier,
    cost_of,
    decayed,
    tier_for,
    wait_needed,
)
from kraken_cli.config.settings import KrxOptions
from kraken_cli.errors import ConfigError
from tests.support.fakes import FakeClock


def test_decay_is_linear_floored_and_ignores_clock_going_back() -> None:
    assert decayed(10, 100, 104, 0.5) == 8
    assert decayed(10, 100, 200, 0.5) == 0
    assert decayed(10, 100, 90, 0.5) == 10


def test_wait_needed() -> None:
    assert wait_needed(10, 1, 15, 0.33) == 0
    assert wait_needed(15, 1, 15, 0.5) == pytest.approx(2.0)


def test_costs() -> None:
    assert cost_of("Balance") == 1
    assert cost_of("Ledgers") == cost_of("QueryLedgers") == cost_of("TradesHistory") == 2
    for free in ("AddOrder", "CancelOrder", "EditOrder", "AmendOrder"):
        assert cost_of(free) == 0


def test_tiers_from_config() -> None:
    assert tier_for(KrxOptions()).max_counter == 15
    assert tier_for(KrxOptions(tier="intermediate")).decay_per_s == 0.5
    assert tier_for(KrxOptions(tier="pro")).decay_per_s == 1.0
    custom = tier_for(KrxOptions(tier="custom", custom_max_counter=40, custom_decay_per_s=8))
    assert (custom.max_counter, custom.decay_per_s) == (40, 8)
    with pytest.raises(ConfigError):
        tier_for(KrxOptions(tier="custom"))
    with pytest.raises(ConfigError):
        tier_for(KrxOptions(tier="gold"))


def test_burst_is_paced_just_under_the_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Tier("starter", 15, 0.33), clock=clock, sleep=clock.sleep)
    state = KeyState()
    for _ in range(14):
        assert limiter.admit(state, "Balance") == 0
    assert limiter.current(state) == pytest.approx(14)
    # The 15th call would reach 15 (> ceiling 14.5): wait until 0.5 has decayed.
    assert limiter.admit(state, "Balance") == pytest.approx(0.5 / 0.33)
    # Steady state: one call per 1/0.33 s, never over the maximum.
    for _ in range(20):
        limiter.admit(state, "Balance")
        assert limiter.current(state) <= 15
    assert clock.slept[-1] == pytest.approx(1 / 0.33)
    # Ledgers costs 2: twice the wait.
    assert limiter.admit(state, "Ledgers") == pytest.approx(2 / 0.33)


def test_orders_do_not_wait_on_the_rest_counter() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Tier("t", 15, 1), clock=clock, sleep=clock.sleep)
    state = KeyState(counter=15, counter_at=clock.now)
    assert limiter.admit(state, "AddOrder") == 0
    assert clock.slept == []


def test_penalize_sets_counter_to_max() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Tier("t", 20, 1), clock=clock, sleep=clock.sleep)
    state = KeyState()
    limiter.penalize(state)
    assert limiter.current(state) == 20
    assert limiter.admit(state, "Balance") == pytest.approx(1.5)
    assert limiter.order_rate_wait("CancelOrder") == 8


def test_counter_is_shared_through_the_key_state(tmp_path: Path) -> None:
    clock = FakeClock()
    tier = Tier("t", 10, 1)
    for _ in range(9):  # nine "processes", each with its own source and limiter
        source = NonceSource("k", tmp_path)
        with source.reserve() as state:
            RateLimiter(tier, clock=clock, sleep=clock.sleep).admit(state, "Balance")
    with NonceSource("k", tmp_path).reserve() as state:
        waited = RateLimiter(tier, clock=clock, sleep=clock.sleep).admit(state, "Balance")
    assert waited == pytest.approx(0.5)


def _charge(directory: str, calls: int) -> None:
    source = NonceSource("k", Path(directory))
    # Frozen clock: no decay, so the final counter is exactly the sum of all charges.
    limiter = RateLimiter(Tier("t", 10_000, 1), clock=lambda: 5.0, sleep=lambda s: None)
    for _ in range(calls):
        with source.reserve() as state:
            limiter.admit(state, "Ledgers")


def test_counter_sharing_across_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_charge, args=(str(tmp_path), 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with NonceSource("k", tmp_path).reserve() as state:
        assert state.counter == 4 * 25 * 2


def test_a_call_past_the_patience_fails_uncharged_with_its_wait() -> None:
    from kraken_cli.errors import BudgetExhaustedError

    clock = FakeClock()
    limiter = RateLimiter(Tier("t", 10, 1.0), clock=clock, sleep=clock.sleep, max_wait_s=1.5)
    state = KeyState()
    for _ in range(9):
        limiter.admit(state, "Balance")
    assert limiter.admit(state, "Balance") == pytest.approx(0.5)  # 9.5 ceiling: waits 0.5 s
    with pytest.raises(BudgetExhaustedError) as caught:
        limiter.admit(state, "Ledgers")  # cost 2 over a full counter: 2 s > 1.5 s
    assert caught.value.retry_after == pytest.approx(2.0)
    assert limiter.current(state) == pytest.approx(9.5)  # the refused call was not charged
    assert limiter.budget(state) == {"counter": 9.5, "max": 10.0, "headroom": 0.5}


def test_peek_reads_the_counter_without_drawing_a_nonce(tmp_path: Path) -> None:
    source = NonceSource("key", tmp_path)
    with source.reserve() as state:
        state.counter, state.counter_at = 7.0, 123.0
    drawn = source.last()
    seen = source.peek()
    assert (seen.counter, seen.counter_at, seen.last_nonce) == (7.0, 123.0, drawn)
    assert source.last() == drawn


def test_time_queued_behind_other_calls_counts_against_the_patience() -> None:
    from kraken_cli.errors import BudgetExhaustedError

    clock = FakeClock()
    limiter = RateLimiter(Tier("t", 10, 1.0), clock=clock, sleep=clock.sleep, max_wait_s=3.0)
    # other calls filled the counter while this one queued 2.5 s for the key's lock
    state = KeyState(counter=9.5, counter_at=clock.now)
    with pytest.raises(BudgetExhaustedError):  # 2.5 s queued + 1 s for the counter > 3 s
        limiter.admit(state, "Balance", asked_at=clock.now - 2.5)
    assert limiter.admit(state, "Balance", asked_at=clock.now - 1.5) == pytest.approx(1.0)
