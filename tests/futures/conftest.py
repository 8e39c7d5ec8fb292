"""Fixtures for futures tests."""

from __future__ import annotations

import httpx
import pytest

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.client.retry import RetryPolicy
from tests.futures.helpers import CREDS, Router
from tests.support.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def router() -> Router:
    return Router()


@pytest.fixture
def client(router: Router, clock: FakeClock) -> FuturesRest:
    return FuturesRest(
        "https://futures.test",
        CREDS,
        transport=httpx.MockTransport(router),
        retry=RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=0.2),
        clock=clock,
        sleep=clock.sleep,
        wall=lambda: 1_700_000_000.0,
        rng=lambda: 0.5,
    )
