"""Runtime proof: verify's rows (cached), the key's headroom; 429 when the key's budget is spent."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from kraken_cli.models.segment import Market
from kraken_cli.serve.app import create_app
from kraken_cli.serve.flight import SingleFlight
from kraken_cli.serve.proof import FAILED_TTL_S, VERIFY_TTL_S, VerifyRows, connector
from kraken_cli.serve.sources import Sources
from kraken_cli.serve.state import ServeState
from tests.e2e.conftest import SandboxHandle
from tests.serve.conftest import AUTH, TOKEN, sandbox_settings

PERMISSION_ROWS = {
    "Query Funds",
    "Query Orders & Trades",
    "Query Ledger",
    "Create & Modify Orders",
    "WebSocket token",
}


@pytest.mark.e2e
def test_runtime_proof_carries_verify_rows_and_the_keys_headroom(client: TestClient) -> None:
    first = client.get("/api/exchanges/runtime-proof", headers=AUTH)
    assert first.status_code == 200, first.text
    (spot,) = first.json()["connectors"]  # no futures market configured
    assert spot["marketType"] == "spot" and spot["status"] == "ACTIVE", spot
    rows = {c["check"]: c for c in spot["checks"]}
    assert {"connectivity", "clock skew", "key accepted"} | PERMISSION_ROWS <= set(rows)
    assert all(c["ok"] for c in rows.values()), rows
    budget = spot["rateLimit"]
    assert budget["max"] == 15 and 0 < budget["counter"] <= 15
    assert budget["headroom"] == pytest.approx(budget["max"] - budget["counter"], abs=1e-3)
    again = client.get("/api/exchanges/runtime-proof", headers=AUTH).json()["connectors"][0]
    assert again["checks"] == spot["checks"]  # reused: polling does not spend the key
    assert again["rateLimit"]["counter"] <= budget["counter"]
    metrics = client.get("/api/metrics", headers=AUTH).text
    assert "krx_limiter_max 15.0" in metrics and "krx_limiter_headroom " in metrics


def test_verify_rows_are_reused_until_their_ttl_then_refreshed_behind_the_answer() -> None:
    now = [0.0]
    runs: list[Market] = []
    spawned: list[Callable[[], None]] = []

    def verify(market: Market) -> list[dict[str, Any]]:
        runs.append(market)
        return [{"check": "connectivity", "ok": len(runs) > 1, "required": True}]

    rows = VerifyRows(verify, SingleFlight(), clock=lambda: now[0], spawn=spawned.append)
    assert rows.rows(Market.SPOT)[0]["ok"] is False  # the first poll waits for verify
    now[0] = FAILED_TTL_S - 1
    rows.rows(Market.SPOT)
    assert len(runs) == 1 and not spawned  # a failure is kept a little
    now[0] = FAILED_TTL_S
    assert rows.rows(Market.SPOT)[0]["ok"] is False  # stale rows at once, refresh started
    assert rows.rows(Market.SPOT)[0]["ok"] is False and len(spawned) == 1  # one refresh
    spawned.pop()()
    assert rows.rows(Market.SPOT)[0]["ok"] is True
    now[0] += VERIFY_TTL_S - 1
    rows.rows(Market.SPOT)
    assert len(runs) == 2 and not spawned  # a pass is kept longer
    rows.rows(Market.FUTURES)
    assert runs == [Market.SPOT, Market.SPOT, Market.FUTURES]


def test_status_error_only_when_kraken_is_unreachable_and_nothing_streams() -> None:
    ok = {"check": "connectivity", "ok": True}
    down = {"check": "connectivity", "ok": False}
    key = {"check": "key accepted", "ok": False}
    live = {"connected": True}
    stale = {"connected": False}
    assert connector(Market.SPOT, [ok], [live], None)["status"] == "ACTIVE"
    assert connector(Market.SPOT, [ok, key], [live], None)["status"] == "DEGRADED"
    assert connector(Market.SPOT, [ok], [stale], None)["status"] == "DEGRADED"
    assert connector(Market.SPOT, [down], [live], None)["status"] == "DEGRADED"
    assert connector(Market.SPOT, [down], [stale], None)["status"] == "ERROR"


@pytest.mark.e2e
def test_a_spent_key_budget_is_429_with_retry_after_and_nothing_sent(
    sandbox_for_serve: SandboxHandle,
) -> None:
    from kraken_cli.client.nonce import NonceSource

    settings = sandbox_settings(sandbox_for_serve)
    # a starter key's full counter frees a call in 4.5 s: past a 2 s patience
    patient = replace(settings, krx=replace(settings.krx, max_pacing_wait_s=2.0))
    assert settings.spot is not None
    keys = NonceSource(settings.spot.key)
    with keys.reserve() as state:  # another process on the key filled its counter just now
        state.counter, state.counter_at = 15.0, time.time()
    sources = Sources(patient)
    try:
        with TestClient(create_app(ServeState(sources, TOKEN))) as test_client:
            answer = test_client.get("/api/assets/kraken/spot", headers=AUTH)
    finally:
        sources.close()
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["Retry-After"]) >= 4
    assert answer.json()["error"]["type"] == "budget"
    assert keys.peek().counter == 15.0  # refused before sending: nothing charged
