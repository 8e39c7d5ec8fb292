"""serve's /candles and the MCP candles tool read the Parquet archive as ``krx candles`` does:
with Kraken unreachable (nothing listens at the REST URL) all three answer a covered range
from the archive, with the same candles."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.archive.writer import ArchiveWriter
from kraken_cli.cli.markets import archive_lookup
from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.config.settings import Endpoints, Settings, cache_dir
from kraken_cli.mcp.calls import Calls
from kraken_cli.services.market.symbols import SymbolResolver
from tests.market.market_samples import asset_pairs_body, assets_body
from tests.support.env import krx_env

pytest.importorskip("fastapi")
pytest.importorskip("pyarrow")

START = (datetime.now(UTC) - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
SINCE, UNTIL = START + timedelta(minutes=5), START + timedelta(hours=3)
TOKEN = "archive-front-ends-7c1e"


def _unreachable_url() -> str:
    """A loopback URL nothing listens on: every Kraken call fails."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _prime_symbols(rest_url: str) -> None:
    """Cache the real AssetPairs sample for ``rest_url`` (symbols resolve offline after)."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = assets_body() if request.url.path.endswith("/Assets") else asset_pairs_body()
        return httpx.Response(200, json=body)

    http = KrakenHttp(rest_url, transport=httpx.MockTransport(handler))
    SymbolResolver(SpotPublic(http), rest_url, cache_dir=cache_dir(), ttl_s=86400).refresh()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Settings]:
    home = tmp_path / "home"
    for kind in ("config", "cache", "state", "data"):
        monkeypatch.setenv(f"XDG_{kind.upper()}_HOME", str(home / kind))
    monkeypatch.delenv("KRX_ARCHIVE", raising=False)
    root = tmp_path / "archive"
    writer = ArchiveWriter(root, "spot", max_rows=300)
    for n in range(2000):  # a trade every 7 s: ~3.9 hours
        writer.write("trades", "BTC/USD", {
            "trade_id": 100 + n,
            "time": (START + timedelta(seconds=7 * n, microseconds=n)).isoformat(),
            "price": f"{64000 + (n * 37) % 500}.{n % 10}",
            "volume": f"0.{n:08d}",
            "side": "buy" if n % 2 else "sell",
            "ord_type": "limit",
        })  # fmt: skip
    writer.close()
    rest_url = _unreachable_url()
    _prime_symbols(rest_url)
    return home, root, Settings(endpoints=Endpoints(rest_url=rest_url))


def _cli_candles(home: Path, root: Path, settings: Settings) -> list[dict[str, Any]]:
    env = krx_env(home, KRX_REST_URL=settings.endpoints.rest_url, KRX_ARCHIVE=str(root))
    run = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "candles", "BTCUSD", "1m", "--since",
         SINCE.isoformat(), "--until", UNTIL.isoformat(), "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows: list[dict[str, Any]] = json.loads(run.stdout)
    assert len(rows) == 175  # every minute of the range has trades
    return rows


def test_serve_and_mcp_candles_answer_from_the_archive_like_the_cli(
    world: tuple[Path, Path, Settings],
) -> None:
    home, root, settings = world
    cli = _cli_candles(home, root, settings)

    mcp = Calls(settings, archive_lookup=archive_lookup(root)).candles(
        "BTCUSD", "1m", since=SINCE.isoformat(), until=UNTIL.isoformat()
    )
    assert json.dumps(mcp) == json.dumps(cli)  # the records of `--format json`

    path = "/api/candles/kraken/spot/BTCUSD/min1"
    query = {"from": SINCE.isoformat(), "to": UNTIL.isoformat()}
    served = _serve_get(settings, archive_lookup(root), path, query)
    assert served.status_code == 200, served.text
    candles = served.json()
    assert [c["time"] for c in candles] == [c["time"] for c in cli]
    for got, want in zip(candles, cli, strict=True):
        # the platform's shape adds ts and interval; every field of the CLI's, its exact text
        assert {k: got[k] for k in want} == want
        assert got["ts"] == int(datetime.fromisoformat(want["time"]).timestamp() * 1000)
    # the same request without the archive goes to Kraken, which is unreachable
    assert _serve_get(settings, archive_lookup(None), path, query).status_code == 502


def _serve_get(settings: Settings, lookup: Any, path: str, query: dict[str, str]) -> Any:
    from starlette.testclient import TestClient

    from kraken_cli.serve.app import create_app
    from kraken_cli.serve.sources import Sources
    from kraken_cli.serve.state import ServeState

    sources = Sources(settings, archive_lookup=lookup)
    try:
        app = create_app(ServeState(sources, TOKEN))
        with TestClient(app, raise_server_exceptions=False) as client:
            return client.get(path, params=query, headers={"x-api-token": TOKEN})
    finally:
        sources.close()
