"""#18 beyond schemathesis: hostile paths, query strings and tokens against every serve route.

Paths are built from the route templates with hostile segments (traversal, encoded NUL and
slashes, control characters, huge numbers, long text); query strings mix the routes' own
parameter names with junk names and values, repeated keys included. No answer may be a 500,
carry a traceback or any test credential or the token, and every error is SPEC's JSON shape.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.serve.conftest import AUTH, TOKEN
from tests.support.secrets import base_credentials, forms

pytestmark = pytest.mark.e2e
SECRETS = sorted({form for secret in base_credentials() for form in forms(secret)} | {TOKEN})
#: Routes whose calls are cheap for the sandbox: SSE never ends and the account routes spend
#: the key's private budget, so they are fuzzed by their path's market only (a 400/404).
TEMPLATES = [
    "/api/candles/kraken/{}/{}/{}",
    "/api/trades/kraken/{}/{}",
    "/api/trades",
    "/api/orderbook/kraken/{}/{}",
    "/api/symbols/kraken/{}",
    "/api/exchanges/runtime-proof",
    "/api/health/{}",
    "/api/metrics",
    "/api/{}",
    "/{}",
]
SEGMENTS = [
    "spot", "SPOT", "margin", "futures", "BTCUSD", "BTC/USD", "XBTUSD", "btcusdt", "PF_XBTUSD",
    "h1", "min1", "1M", "month", "99999999999999999999", "-1", "nan", "inf", "..", "%2e%2e",
    "%00", "%2F", "%ZZ", "\x1b[31m", "a\rb", "\u202e", "é", "x" * 500, "'; drop table x; --",
    "{market}", "~", "", " ",
]  # fmt: skip
PARAMS = [
    "days", "from", "to", "limit", "order", "depth", "partial", "connectorType", "marketType",
    "symbol", "token", "x", "",
]  # fmt: skip
VALUES = [
    "7", "0", "-1", "1e400", "nan", "inf", "-inf", "1.5", "99999999999999999999", "true", "yes",
    "2026-11-30", "0001-01-01", "9999-12-31T23:59:59Z", "1764460800000", "asc", "DESC",
    "kraken", "binance", "spot", "BTCUSD", "", "\x00", "\x1b]0;x\x07", "é" * 50, "x" * 3000,
]  # fmt: skip
FUZZ = settings(
    max_examples=int(os.environ.get("KRX_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
segments = st.sampled_from(SEGMENTS) | st.text(max_size=20)
values = st.sampled_from(VALUES) | st.text(max_size=20)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    template = draw(st.sampled_from(TEMPLATES))
    parts = [quote(draw(segments), safe="%/") for _ in range(template.count("{}"))]
    path = template.format(*parts)
    pairs = draw(st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=5))
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    headers = draw(
        st.sampled_from(
            [AUTH, {}, {"x-api-token": TOKEN}, {"Authorization": "Bearer wrong"},
             {"Authorization": f"Basic {TOKEN}"}, {"x-api-token": TOKEN + "x"}]
        )
    )  # fmt: skip
    return path + ("?" + query if query else ""), headers


@FUZZ
@given(request=requests())
def test_no_hostile_request_gets_a_500_a_traceback_or_a_secret(
    client: TestClient, request: tuple[str, dict[str, str]]
) -> None:
    url, headers = request
    if "/stream/" in url:
        return
    response = client.get(url, headers=headers)
    body = response.text
    assert response.status_code in {200, 400, 401, 403, 404, 405, 429, 502, 503}, (url, body)
    assert "Traceback" not in body and "internal error" not in body, url
    leaked = [s for s in SECRETS if len(s) >= 6 and s in body]
    assert not leaked, (url, "a credential or the token is in the answer")
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["type"] and error["message"], (url, body)
