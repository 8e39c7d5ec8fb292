"""KrakenHttp over httpx.MockTransport: every failure family maps to the right KrxError."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.client.http import KrakenHttp, redact_form, redact_headers, unwrap_spot
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.errors import (
    InternalServerError,
    InvalidKeyError,
    KrakenError,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
    UnknownPairError,
)
from tests.support.fakes import FakeClock

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
HTML_520 = (
    "<!DOCTYPE html><html><head><title>api.kraken.com | 520: Web server is returning an "
    "unknown error</title></head><body>Cloudflare</body></html>"
)


class PacedClock(FakeClock):
    """The shared fake clock, with the public pacer's waits kept apart from retry sleeps."""

    def __init__(self) -> None:
        super().__init__()
        self.paced: list[float] = []

    def pace(self, seconds: float) -> None:
        self.paced.append(seconds)
        self.advance(seconds)


def make(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    retry: RetryPolicy | None = None,
    log: list[str] | None = None,
) -> tuple[KrakenHttp, PacedClock]:
    ft = PacedClock()
    http = KrakenHttp(
        "https://api.kraken.test",
        transport=httpx.MockTransport(handler),
        retry=retry or RetryPolicy(),
        clock=ft,
        sleep=ft.sleep,
        wall=ft,
        rng=lambda: 0.5,
        pacer=PublicPacer(1.0, clock=ft, sleep=ft.pace),
        debug_log=None if log is None else log.append,
    )
    return http, ft


def body(obj: Any) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(obj).encode())


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_public_is_get_and_unwraps_result() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=sample("rest-public-Time.json"))

    http, _ = make(handler)
    assert http.public("Time") == {
        "unixtime": 1617831335,
        "rfc1123": "Wed,  7 Apr 21 21:35:35 +0000",
    }
    assert seen[0].method == "GET"
    assert seen[0].url.path == "/0/public/Time"
    assert seen[0].headers["user-agent"].startswith("krx/")


def test_params_go_in_query_string() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=sample("rest-public-Depth.json"))

    http, _ = make(handler)
    http.public("Depth", {"pair": "XBTUSD", "count": 3})
    assert dict(seen[0].url.params) == {"pair": "XBTUSD", "count": "3"}


def test_html_520_is_network_error_with_hint_and_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(520, text=HTML_520, headers={"content-type": "text/html"})

    http, ft = make(handler)
    with pytest.raises(NetworkError) as info:
        http.public("Time")
    err = info.value
    assert "HTTP 520" in err.message and "unknown error" in err.message
    assert err.hint and "Cloudflare" in err.hint and "gave up after 4 attempts" in err.hint
    assert calls == 4
    assert len(ft.slept) == 3


def test_404_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(404, text="not found")

    http, _ = make(handler)
    with pytest.raises(NetworkError, match="HTTP 404"):
        http.public("Time")
    assert calls == 1


def test_timeout_maps_to_request_timeout_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    http, _ = make(handler, retry=RetryPolicy.none())
    with pytest.raises(RequestTimeoutError) as info:
        http.public("Time")
    assert isinstance(info.value, NetworkError)
    assert info.value.hint
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


def test_connect_error_maps_to_network_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http, _ = make(handler, retry=RetryPolicy.none())
    with pytest.raises(NetworkError, match="cannot connect") as info:
        http.public("Time")
    assert not isinstance(info.value, RequestTimeoutError)
    assert info.value.hint and "KRX_REST_URL" in info.value.hint


def test_malformed_json_is_network_error_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, content=b'{"error": [], "result": {')

    http, _ = make(handler)
    with pytest.raises(NetworkError, match="not JSON"):
        http.public("Time")
    assert calls == 1


def test_json_without_envelope_is_network_error() -> None:
    http, _ = make(lambda r: body([1, 2, 3]))
    with pytest.raises(NetworkError, match="envelope"):
        http.public("Time")


def test_empty_result_is_returned_as_is() -> None:
    http, _ = make(lambda r: body({"error": [], "result": {}}))
    assert http.public("Ticker", {"pair": "XBTUSD"}) == {}


def test_missing_result_without_error_is_network_error() -> None:
    http, _ = make(lambda r: body({"error": []}))
    with pytest.raises(NetworkError, match="neither"):
        http.public("Time")


def test_unknown_pair_maps_and_is_not_retried() -> None:
    calls = 0
    errors = json.loads(sample("rest-errors.json"))

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return body(errors[0])

    http, _ = make(handler)
    with pytest.raises(UnknownPairError) as info:
        http.public("Ticker", {"pair": "NOPE"})
    assert info.value.kraken == ["EQuery:Unknown asset pair"]
    assert calls == 1


def test_error_with_empty_result_object_still_raises() -> None:
    errors = json.loads(sample("rest-errors.json"))
    http, _ = make(lambda r: body(errors[2]))
    with pytest.raises(InvalidKeyError):
        http.public("Time")


def test_warnings_alongside_result_are_not_failures() -> None:
    http, _ = make(lambda r: body({"error": ["WGeneral:Something"], "result": {"ok": 1}}))
    assert http.public("Time") == {"ok": 1}


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ("EService:Unavailable", ServiceUnavailableError),
        ("EService:Busy", ServiceUnavailableError),
        ("EGeneral:Internal error:5", InternalServerError),
    ],
)
def test_retryable_kraken_errors_then_success(error: str, cls: type[KrakenError]) -> None:
    replies = [body({"error": [error]}), body({"error": [], "result": {"unixtime": 1}})]
    http, ft = make(lambda r: replies.pop(0))
    assert http.public("Time") == {"unixtime": 1}
    assert len(ft.slept) == 1
    assert 0 < ft.slept[0] <= 0.5


def test_retry_budget_exhausted_raises_last_error() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return body({"error": ["EService:Unavailable"]})

    http, ft = make(handler, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(ServiceUnavailableError) as info:
        http.public("Time")
    assert calls == 3
    assert info.value.hint and "gave up after 3 attempts" in info.value.hint
    # Exponential: 0.25 then 0.5 with rng=0.5 (full jitter of 0.5, 1.0).
    assert ft.slept == [0.25, 0.5]


def test_total_budget_bounds_the_retries() -> None:
    http, ft = make(
        lambda r: body({"error": ["EService:Busy"]}),
        retry=RetryPolicy(max_attempts=100, base_delay=1.0, max_delay=8.0, total_budget=10.0),
    )
    with pytest.raises(ServiceUnavailableError):
        http.public("Time")
    assert sum(ft.slept) <= 10.0


@pytest.mark.parametrize("error", ["EAPI:Rate limit exceeded", "EGeneral:Too many requests"])
def test_rate_limit_backs_off_longer_then_succeeds(error: str) -> None:
    replies = [body({"error": [error]}), body({"error": [], "result": {"unixtime": 2}})]
    http, ft = make(lambda r: replies.pop(0))
    assert http.public("Time") == {"unixtime": 2}
    # Rate limits wait at least half the (longer) base delay, never retry at once.
    assert ft.slept[0] >= 1.0


def test_rate_limit_gives_up_with_rate_limit_error() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return body({"error": ["EAPI:Rate limit exceeded"]})

    http, ft = make(handler)
    with pytest.raises(RateLimitError) as info:
        http.public("Ticker")
    assert calls == 4
    assert info.value.hint and "gave up" in info.value.hint
    assert ft.slept[0] < ft.slept[1] < ft.slept[2]
    assert ft.now - 1000.0 <= RetryPolicy().total_budget


def test_http_429_is_rate_limit() -> None:
    http, _ = make(lambda r: httpx.Response(429, text="slow down"), retry=RetryPolicy.none())
    with pytest.raises(RateLimitError):
        http.public("Time")


def test_debug_log_has_request_line_and_no_secrets() -> None:
    log: list[str] = []
    http, _ = make(lambda r: body({"error": [], "result": {}}), log=log)
    http.send(
        "POST",
        "/0/private/Balance",
        body="nonce=1700000000000&otp=123456&asset=XBT",
        headers={"API-Key": "MYKEYVALUE", "API-Sign": "SIGNATUREVALUE"},
    )
    line = log[-1]
    assert line.startswith("POST https://api.kraken.test/0/private/Balance")
    assert "-> 200 in" in line and "ms" in line
    assert "1700000000000" not in line and "123456" not in line
    assert "MYKEYVALUE" not in line and "SIGNATUREVALUE" not in line
    assert "asset=XBT" in line


def test_redaction_helpers() -> None:
    assert redact_headers({"API-Key": "k", "API-Sign": "s", "Accept": "x"}) == {
        "API-Key": "***",
        "API-Sign": "***",
        "Accept": "x",
    }
    assert redact_form("nonce=5&otp=9&pair=XBTUSD") == "nonce=%2A%2A%2A&otp=%2A%2A%2A&pair=XBTUSD"


def test_public_calls_are_paced_per_endpoint() -> None:
    http, ft = make(lambda r: body({"error": [], "result": {}}))
    http.public("Time")
    http.public("Time")
    http.public("Assets")
    assert ft.paced == [1.0]


def test_last_span_and_date_recorded() -> None:
    http, _ = make(
        lambda r: httpx.Response(
            200, content=sample("rest-public-Time.json"), headers={"Date": "Wed, 07 Apr 2021"}
        )
    )
    http.public("Time")
    assert http.last_span == (1000.0, 1000.0)
    assert http.last_date == "Wed, 07 Apr 2021"


def test_unwrap_spot_pure() -> None:
    assert unwrap_spot({"error": [], "result": [1]}) == [1]
    with pytest.raises(UnknownPairError):
        unwrap_spot({"error": ["EQuery:Unknown asset pair"]})
