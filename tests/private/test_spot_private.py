"""SpotPrivate over the real KrakenHttp with a MockTransport: error mapping and recovery."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.nonce import NonceSource
from kraken_cli.client.ratelimit import RateLimiter, Tier
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.config.settings import Credentials
from kraken_cli.errors import (
    InvalidKeyError,
    InvalidNonceError,
    OrderRateLimitError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
)

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
Handler = Callable[[httpx.Request], httpx.Response]


def envelope(result: object = None, *errors: str) -> httpx.Response:
    return httpx.Response(200, json={"error": list(errors), "result": result or {}})


class Rig:
    def __init__(self, tmp_path: Path, answers: list[object]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.now = 1000.0

        def handler(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            item = self.answers.pop(0)
            if isinstance(item, Exception):
                raise item
            assert isinstance(item, httpx.Response)
            return item

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            self.now += seconds

        self.http = KrakenHttp(
            "https://api.kraken.com",
            transport=httpx.MockTransport(handler),
            retry=RetryPolicy(max_attempts=3),
            sleep=sleep,
            clock=lambda: self.now,
            rng=lambda: 0.0,
        )
        self.limiter = RateLimiter(Tier("starter", 15, 0.33), clock=lambda: self.now, sleep=sleep)
        self.client = SpotPrivate(
            self.http,
            Credentials("KEY", SECRET),
            NonceSource("KEY", tmp_path),
            self.limiter,
            sleep=sleep,
        )

    def nonces(self) -> list[int]:
        return [int(parse_qs(r.content.decode())["nonce"][0]) for r in self.requests]


def test_success_sends_signed_form_post(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope({"ZUSD": "1.5"})])
    assert rig.client.call("Balance", idempotent=True) == {"ZUSD": "1.5"}
    request = rig.requests[0]
    assert request.method == "POST" and request.url.path == "/0/private/Balance"
    assert request.headers["API-Key"] == "KEY" and request.headers["API-Sign"]
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ("EAPI:Invalid key", InvalidKeyError),
        ("EGeneral:Permission denied", PermissionDeniedError),
    ],
)
def test_auth_errors_map_and_are_not_retried(
    tmp_path: Path, error: str, cls: type[Exception]
) -> None:
    rig = Rig(tmp_path, [envelope(None, error)])
    with pytest.raises(cls):
        rig.client.call("Balance", idempotent=True)
    assert len(rig.requests) == 1


def test_invalid_nonce_is_retried_once_with_a_fresh_nonce_then_explained(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope(None, "EAPI:Invalid nonce"), envelope({"ok": True})])
    assert rig.client.call("AddOrder", {"pair": "XBTUSD"}, idempotent=False) == {"ok": True}
    first, second = rig.nonces()
    assert second > first

    rig = Rig(tmp_path, [envelope(None, "EAPI:Invalid nonce")] * 2)
    with pytest.raises(InvalidNonceError) as info:
        rig.client.call("Balance", idempotent=True)
    assert "another tool" in (info.value.hint or "") and "clock" in (info.value.hint or "")
    assert len(rig.requests) == 2


def test_rest_rate_limit_fills_the_counter_and_backs_off(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope(None, "EAPI:Rate limit exceeded"), envelope({"ok": 1})])
    assert rig.client.call("Balance", idempotent=True) == {"ok": 1}
    # Backoff from the retry policy, then the limiter's wait: together, until the full counter
    # has decayed enough for one call under the ceiling.
    assert sum(rig.sleeps) == pytest.approx(1.5 / 0.33)
    with rig.client.nonce.reserve() as state:
        assert rig.limiter.current(state) <= 15


def test_rest_rate_limit_on_a_non_idempotent_call_is_not_resent(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope(None, "EAPI:Rate limit exceeded")])
    with pytest.raises(RateLimitError):
        rig.client.call("CancelAll", idempotent=False)
    assert len(rig.requests) == 1


def test_order_rate_limit_never_resends_add_order(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope(None, "EOrder:Rate limit exceeded")])
    with pytest.raises(OrderRateLimitError) as info:
        rig.client.call("AddOrder", {"pair": "XBTUSD"}, idempotent=False)
    assert len(rig.requests) == 1
    assert "NOT placed" in (info.value.hint or "")


def test_order_rate_limit_on_cancel_waits_and_retries_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope(None, "EOrder:Rate limit exceeded"), envelope({"count": 1})])
    assert rig.client.call("CancelOrder", {"txid": "O1"}, idempotent=False) == {"count": 1}
    assert rig.sleeps == [8.0]


def test_timeout_on_add_order_is_not_retried(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [httpx.ReadTimeout("slow")])
    with pytest.raises(RequestTimeoutError):
        rig.client.call("AddOrder", {"pair": "XBTUSD"}, idempotent=False)
    assert len(rig.requests) == 1


def test_idempotent_call_retries_service_errors_with_fresh_nonces(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [envelope(None, "EService:Unavailable"), envelope({"ok": 1})])
    assert rig.client.call("Balance", idempotent=True) == {"ok": 1}
    first, second = rig.nonces()
    assert second > first
    assert json.loads(rig.client.nonce.state_path.read_text())["last_nonce"] == second
