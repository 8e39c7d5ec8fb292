"""krx serve: every route's auth, data, errors and schema (against the sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from tests.serve.conftest import AUTH, TOKEN
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e

DATA_ROUTES = (
    "/api/candles/kraken/spot/BTCUSDT/h1?days=1",
    "/api/trades/kraken/spot/BTCUSD?limit=5",
    "/api/trades?connectorType=kraken&marketType=spot&symbol=BTCUSD&limit=5",
    "/api/orderbook/kraken/spot/BTCUSD?depth=5",
    "/api/symbols/kraken/spot",
    "/api/symbols/kraken/futures",
    "/api/orderbook/kraken/futures/PF_XBTUSD?depth=3",
    "/api/candles/kraken/futures/PF_XBTUSD/h1?days=1",
)


def _schema_for(client: TestClient, path: str, status: int) -> dict[str, Any]:
    """Return the OpenAPI response schema of ``path`` (a concrete URL) for ``status``."""
    spec = client.get("/openapi.json").json()
    route = path.split("?")[0].split("/")
    for template, ops in spec["paths"].items():
        parts = template.split("/")
        if len(parts) == len(route) and all(
            t.startswith("{") or t == r for t, r in zip(parts, route, strict=True)
        ):
            schema: dict[str, Any] = ops["get"]["responses"][str(status)]["content"][
                "application/json"
            ]["schema"]
            return schema
    raise AssertionError(f"no OpenAPI path for {path}")


@pytest.mark.parametrize("path", DATA_ROUTES)
def test_data_routes_need_the_token_and_answer_per_schema(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get(path, headers=AUTH)
    assert response.status_code == 200, response.text
    jsonschema.validate(response.json(), _schema_for(client, path, 200))
    same = client.get(path, headers={"x-api-token": TOKEN})
    assert same.status_code == 200


def test_health_and_docs_need_no_token(client: TestClient) -> None:
    live = client.get("/api/health/live").json()
    assert live["status"] == "ok" and live["uptimeSec"] >= 0
    assert client.get("/api/health/ready").json()["ready"] is True
    page = client.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/static/swagger-ui.css").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/candles/kraken/{market}/{symbol}/{interval}" in paths


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/candles/kraken/spot/BTCUSD/h7", 400, "min1"),
        ("/api/candles/kraken/spot/BTCUSD/h1?from=yesterday", 400, "epoch"),
        ("/api/candles/kraken/spot/BTCUSD/h1?days=nan", 400, "days"),
        ("/api/candles/kraken/spot/BTCUSD/h1?days=1&from=1764460800000", 400, "not both"),
        ("/api/candles/kraken/spot/BTCUSD/h1?from=2026-11-02&to=2026-11-01", 400, "before"),
        ("/api/trades/kraken/spot/BTCUSD?limit=1001", 400, "1..1000"),
        ("/api/trades/kraken/spot/BTCUSD?order=up", 400, "asc"),
        ("/api/trades/kraken/spot/BTCUSD?limit=x", 400, "limit"),
        ("/api/candles/kraken/moon/BTCUSD/h1", 400, "spot"),
        ("/api/candles/kraken/spot/BTCUSDX/h1", 404, "BTC"),
        ("/api/nothing/here", 404, "Not Found"),
    ],
)
def test_bad_input_is_a_client_error_with_a_hint(
    client: TestClient, path: str, status: int, words: str
) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert words.lower() in json.dumps(error).lower()
    assert "Traceback" not in response.text and TOKEN not in response.text


def test_candles_equal_the_cli_for_the_same_window(
    client: TestClient, sandbox_for_serve: Any, tmp_path: Any
) -> None:
    hour = int(time.time()) // 3600 * 3600
    start, end = (
        datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for at in (hour - 20 * 3600, hour - 8 * 3600)
    )
    served = client.get(
        f"/api/candles/kraken/spot/BTCUSD/h1?from={start}&to={end}", headers=AUTH
    ).json()
    env = krx_env(tmp_path, sandbox=sandbox_for_serve)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kraken_cli",
            "--sandbox",
            "--format",
            "json",
            "candles",
            "BTCUSD",
            "h1",
            "--since",
            start,
            "--until",
            end,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    cli = json.loads(done.stdout)
    assert cli, "the window must hold candles"
    assert [{k: v for k, v in c.items() if k not in ("ts", "interval")} for c in served] == cli
    assert all(c["interval"] == "h1" and c["ts"] % 3_600_000 == 0 for c in served)


def test_serve_refuses_to_start_without_a_token(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROVIDER_API_TOKEN"}
    env.update(XDG_CONFIG_HOME=str(tmp_path), KRX_CONFIG="")
    done = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert done.returncode == 3 and "PROVIDER_API_TOKEN" in done.stderr
    remote = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "serve", "--no-auth", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert remote.returncode == 2 and "loopback" in remote.stderr
