"""Signing is pinned by Kraken's documented vector and the SDK-pinned one."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from kraken_cli.client.nonce import NonceSource
from kraken_cli.client.ratelimit import RateLimiter, Tier
from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.config.settings import Credentials
from kraken_cli.protocol.signing import spot_signature
from tests.private.fakes import FakeHttp

VECTORS = json.loads(
    (Path(__file__).parents[1] / "fixtures/samples/test-vectors.json").read_text()
)["spot_rest_api_sign"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["source"].split(":")[0])
def test_documented_vectors(vector: dict[str, str]) -> None:
    got = spot_signature(
        vector["secret_b64"], vector["uri_path"], vector["nonce"], vector["post_data"]
    )
    assert got == vector["expected_api_sign"]


def test_request_is_signed_over_exact_body_with_otp(tmp_path: Path) -> None:
    secret = VECTORS[0]["secret_b64"]
    http = FakeHttp([{"ok": 1}])
    client = SpotPrivate(
        http,
        Credentials("KEY\n", secret),
        NonceSource("KEY", tmp_path, clock_ns=lambda: 1616492376594),
        RateLimiter(Tier("t", 15, 1), clock=lambda: 0.0, sleep=lambda s: None),
        otp="123456",
    )
    assert client.call("Balance", {"asset": "XBT"}, idempotent=True) == {"ok": 1}
    sent = http.sent[0]
    assert sent["path"] == "/0/private/Balance"
    fields = parse_qs(sent["body"])
    assert fields["otp"] == ["123456"] and fields["nonce"] == ["1616492376594"]
    assert sent["headers"]["API-Key"] == "KEY"  # a pasted trailing newline is dropped
    expected = spot_signature(secret, "/0/private/Balance", "1616492376594", sent["body"])
    assert sent["headers"]["API-Sign"] == expected
