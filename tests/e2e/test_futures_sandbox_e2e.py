"""e2e: the futures sandbox served by uvicorn on a real port, driven over HTTP and WebSocket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY as DEFAULT_KEY
from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_SECRET as DEFAULT_SECRET
from kraken_cli.config.settings import Credentials, Endpoints, Settings
from kraken_cli.models.segment import Market
from kraken_cli.sandbox.futures import FuturesState, futures_routes
from kraken_cli.services.market import open_market_data
from kraken_cli.services.stream.futures import stream
from kraken_cli.services.verify.futures import verify_futures

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, FuturesState]]:
    import uvicorn

    state = FuturesState.from_seed(
        3, ws_interval=0.02, book_gap_every=7, live_rate=20, started_ms=int(time.time() * 1000)
    )
    app = Starlette(routes=[Mount("/futures", routes=futures_routes(state))])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"127.0.0.1:{port}", state
    srv.should_exit = True
    thread.join(5)


def _settings(addr: str) -> Settings:
    return Settings(
        endpoints=Endpoints(
            futures_url=f"http://{addr}/futures", futures_ws_url=f"ws://{addr}/futures/ws/v1"
        ),
        futures=Credentials(DEFAULT_KEY, DEFAULT_SECRET),
    )


def test_rest_and_verify(server: tuple[str, FuturesState]) -> None:
    settings = _settings(server[0])
    with open_market_data(settings, Market.FUTURES) as md:
        assert md.ticker(["BTCUSD"])[0].symbol == "PF_XBTUSD"
    rows = verify_futures(settings)
    assert all(r.ok for r in rows), rows


def test_book_stream_survives_seq_gaps(server: tuple[str, FuturesState]) -> None:
    events: list[dict[str, Any]] = []
    records = list(
        stream(
            _settings(server[0]), "book", ["PF_XBTUSD"], depth=5, count=25, on_event=events.append
        )
    )
    assert len(records) == 25 and all(r["channel"] == "book" for r in records)
    assert any(e["event"] == "resync" for e in events)
    for rec in records:
        assert Decimal(rec["bids"][0][0]) < Decimal(rec["asks"][0][0])


def test_trades_stream(server: tuple[str, FuturesState]) -> None:
    records = list(stream(_settings(server[0]), "trades", ["PF_ETHUSD"], count=22))
    assert records[0]["symbol"] == "PF_ETHUSD" and records[-1]["channel"] == "trade"
