"""Futures REST client: Authent signing, envelope unwrapping, error mapping, budget, keys."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import httpx
import pytest

from kraken_cli.client.futures_budget import FuturesBudget
from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.client.nonce import MsNonce
from kraken_cli.errors import (
    AuthError,
    InternalServerError,
    InvalidNonceError,
    KrakenError,
    NetworkError,
    OrderError,
    RateLimitError,
    UnknownSymbolError,
    UsageError,
)
from kraken_cli.protocol.signing import futures_signature
from tests.futures.helpers import CREDS, SECRET, Router, sample, sample_text
from tests.support.fakes import FakeClock

V3 = "/derivatives/api/v3"


def test_sdk_vector_pins_authent() -> None:
    # tests/fixtures/samples/test-vectors.json "futures_rest_authent" (python-kraken-sdk
    # tests/futures/test_futures_base_api_unit.py): '/derivatives' is stripped before signing.
    vector = sample("test-vectors.json")["futures_rest_authent"][0]
    expected = vector["expected_authent"]
    args = (vector["secret_b64"], vector["post_data"])
    assert futures_signature(args[0], vector["endpoint_path"], args[1], vector["nonce"]) == expected
    full = "/derivatives" + vector["endpoint_path"]
    assert futures_signature(args[0], full, args[1], vector["nonce"]) == expected


def test_private_post_signs_exact_body_with_stripped_path(
    client: FuturesRest, router: Router
) -> None:
    router.add(f"{V3}/sendorder", sample_text("futures-rest-sendorder.json"))
    status = client.sendorder({"orderType": "lmt", "symbol": "PI_XBTUSD"})
    assert status["status"] == "placed"
    req = router.requests[0]
    body = req.content.decode()
    assert body == "orderType=lmt&symbol=PI_XBTUSD"
    nonce = req.headers["Nonce"]
    assert req.headers["APIKey"] == CREDS.key
    assert req.headers["Authent"] == futures_signature(SECRET, "/api/v3/sendorder", body, nonce)
    assert req.headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_private_get_signs_query_string(client: FuturesRest, router: Router) -> None:
    router.add(
        f"{V3}/fills", '{"result":"success","fills":[],"serverTime":"2026-01-01T00:00:00.000Z"}'
    )
    client.fills("2026-01-01T00:00:00.000Z")
    req = router.requests[0]
    query = req.url.query.decode()
    assert dict(parse_qsl(query)) == {"lastFillTime": "2026-01-01T00:00:00.000Z"}
    expected = futures_signature(SECRET, "/api/v3/fills", query, req.headers["Nonce"])
    assert req.headers["Authent"] == expected
    assert client.last_server_time == "2026-01-01T00:00:00.000Z"


def test_numbers_stay_exact(client: FuturesRest, router: Router) -> None:
    router.add(f"{V3}/tickers", sample_text("futures-rest-tickers.json"))
    pi = client.tickers()[0]
    assert pi["fundingRate"] == "1.18588737106e-7"  # exact wire text, never a float
    assert pi["markPrice"] == "30209.9"


ERRORS = sample("futures-rest-errors.json")


@pytest.mark.parametrize(
    ("payload", "status", "cls"),
    [
        (ERRORS[0], 400, UnknownSymbolError),
        (ERRORS[1], 200, AuthError),
        (ERRORS[2], 404, KrakenError),
        (ERRORS[3], 200, RateLimitError),
        ({"result": "error", "error": "nonceBelowThreshold"}, 200, InvalidNonceError),
        ({"result": "error", "error": "nonceDuplicate"}, 200, InvalidNonceError),
        ({"result": "error", "error": "invalidArgument"}, 200, UsageError),
        ({"result": "error", "error": "contractNotFound"}, 200, UnknownSymbolError),
        ({"result": "error", "error": "insufficientFunds"}, 200, OrderError),
        (
            {"result": "error", "errors": [{"code": 1, "message": "INSUFFICIENT_MARGIN"}]},
            500,
            OrderError,
        ),
    ],
)
def test_error_shapes_map_to_krx_errors(
    client: FuturesRest, router: Router, payload: dict[str, object], status: int, cls: type
) -> None:
    router.add(f"{V3}/accounts", json.dumps(payload), status)
    with pytest.raises(cls) as info:
        client.accounts()
    assert info.value.hint or cls is KrakenError
    assert info.value.kraken


def test_nonce_error_hint_mentions_own_key(client: FuturesRest, router: Router) -> None:
    router.add(f"{V3}/openorders", '{"result":"error","error":"nonceDuplicate"}')
    with pytest.raises(InvalidNonceError) as info:
        client.openorders()
    assert "own futures API key" in (info.value.hint or "")


def test_public_retries_server_errors_then_succeeds(
    client: FuturesRest, router: Router, clock: FakeClock
) -> None:
    replies = iter(
        [
            httpx.Response(502, text="<html>bad gateway</html>"),
            httpx.Response(200, json={"result": "error", "error": "unknownError"}),
            httpx.Response(200, content=sample_text("futures-rest-instruments.json").encode()),
        ]
    )
    router.add(f"{V3}/instruments", lambda _: next(replies))
    assert len(client.instruments()) == 5
    assert len(router.requests) == 3 and len(clock.slept) == 2


def test_sendorder_is_never_retried(client: FuturesRest, router: Router) -> None:
    router.add(f"{V3}/sendorder", '{"result":"error","error":"Server Error"}', 500)
    with pytest.raises(InternalServerError):
        client.sendorder({"symbol": "PF_XBTUSD"})
    assert len(router.requests) == 1


def test_non_json_reply_is_network_error(client: FuturesRest, router: Router) -> None:
    router.add(f"{V3}/tickers", "<html>Just a moment</html>", 403)
    with pytest.raises(NetworkError):
        client.tickers()


def test_http_429_is_rate_limit(client: FuturesRest, router: Router) -> None:
    router.add(f"{V3}/sendorder", "Too Many Requests", 429)
    with pytest.raises(RateLimitError):
        client.sendorder({"symbol": "PF_XBTUSD"})


def test_charts_plain_text_400_is_usage_error(client: FuturesRest, router: Router) -> None:
    router.add("/api/charts/v1/trade/PF_XBTUSD/2h", "Invalid resolution", 400)
    with pytest.raises(UsageError, match="Invalid resolution"):
        client.charts("trade", "PF_XBTUSD", "2h", 0, 3600)


def test_missing_futures_credentials(router: Router) -> None:
    anon = FuturesRest("https://futures.test", None, transport=httpx.MockTransport(router))
    with pytest.raises(AuthError, match="Futures API key"):
        anon.accounts()
    assert router.requests == []


def test_budget_paces_with_injected_clock() -> None:
    clock = FakeClock()
    budget = FuturesBudget(clock=clock, sleep=clock.sleep)
    for _ in range(50):  # 50 sendorders = 500 points: the whole 10 s budget
        budget.spend(10)
    assert clock.slept == []
    budget.spend(10)  # needs 10 points = 0.2 s of refill at 50 points/s
    assert clock.slept == [pytest.approx(0.2)]
    clock.now += 10
    assert budget.spend(500) == 0


def test_api_limit_exceeded_empties_budget(
    client: FuturesRest, router: Router, clock: FakeClock
) -> None:
    replies = iter(
        [
            httpx.Response(200, text='{"result":"error","error":"apiLimitExceeded"}'),
            httpx.Response(200, text=sample_text("futures-rest-openorders.json")),
        ]
    )
    router.add(f"{V3}/openorders", lambda _: next(replies))
    assert len(client.openorders()) == 7
    assert sum(clock.slept) > 0


def test_ms_nonce_strictly_increases() -> None:
    nonce = MsNonce(lambda: 1_700_000_000.0)
    first, second = nonce(), nonce()
    assert first == 1_700_000_000_000 and second == first + 1


def test_cancel_by_cli_ord_id(client: FuturesRest, router: Router) -> None:
    router.add(
        f"{V3}/cancelorder",
        '{"result":"success","cancelStatus":{"status":"cancelled","cliOrdId":"abc"},'
        '"serverTime":"2026-01-01T00:00:00.000Z"}',
    )
    assert client.cancelorder(cli_ord_id="abc")["status"] == "cancelled"
    assert router.requests[0].content == b"cliOrdId=abc"
