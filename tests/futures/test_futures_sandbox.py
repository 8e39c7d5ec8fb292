"""The futures sandbox routes on a bare Starlette app, driven by the real krx client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY as DEFAULT_KEY
from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_SECRET as DEFAULT_SECRET
from kraken_cli.config.settings import Credentials, Settings
from kraken_cli.errors import (
    AuthError,
    InvalidNonceError,
    OrderError,
    UnknownSymbolError,
    UsageError,
)
from kraken_cli.models.trading import AmendRequest
from kraken_cli.protocol.signing import futures_ws_challenge
from kraken_cli.sandbox.futures import FuturesState, futures_routes
from kraken_cli.services.account.futures import FuturesAccount
from kraken_cli.services.market import Window
from kraken_cli.services.market.futures import FuturesMarketData
from kraken_cli.services.trading import futures as ft
from kraken_cli.services.verify.futures import verify_futures
from tests.futures.helpers import add_order, records

NOW_MS = 1_790_265_600_000 + 37 * 60_000 + 12_345


def make_state() -> FuturesState:
    return FuturesState.from_seed(7, clock_ms=lambda: NOW_MS, ws_interval=0.01)


@pytest.fixture
def state() -> FuturesState:
    return make_state()


@pytest.fixture
def http(state: FuturesState) -> Iterator[TestClient]:
    app = Starlette(routes=[Mount("/futures", routes=futures_routes(state))])
    with TestClient(app, base_url="http://sandbox") as tc:
        yield tc


class Bridge(httpx.BaseTransport):
    """Send krx's httpx requests through a TestClient (which may run on httpx2 instead)."""

    def __init__(self, tc: TestClient) -> None:
        self.tc = tc

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self.tc.request(
            request.method,
            str(request.url),
            headers=list(request.headers.multi_items()),
            content=request.read(),
        )
        return httpx.Response(
            reply.status_code, headers=list(reply.headers.multi_items()), content=reply.content
        )


def client_for(tc: TestClient, creds: Credentials | None = None) -> FuturesRest:
    return FuturesRest(
        "http://sandbox/futures",
        creds or Credentials(DEFAULT_KEY, DEFAULT_SECRET),
        transport=Bridge(tc),
    )


NOW = datetime.fromtimestamp(NOW_MS / 1000, UTC)


def test_market_services_against_sandbox(http: TestClient) -> None:
    md = FuturesMarketData(client_for(http))
    assert "PF_XBTUSD" in [r.symbol for r in md.symbols()]
    tick = md.ticker(["BTCUSD"])[0].to_record()
    assert tick["symbol"] == "PF_XBTUSD" and tick["bid"] < tick["ask"]
    book = md.orderbook("PF_XBTUSD", depth=5).to_object()
    assert len(book["bids"]) == 5 and "." in book["bids"][0][1]
    window = Window(NOW - timedelta(hours=3), NOW)
    trades = [t.to_record() for t in md.trades("PF_XBTUSD", window)]
    assert len(trades) == 180  # one tape trade per minute
    candles = [c.to_record() for c in md.candles("PF_XBTUSD", "h1", window)]
    assert len(candles) == 3
    last_full = candles[-2]
    hour = [t for t in trades if t["time"].startswith(last_full["time"][:13])]
    # charts send price text ("84929"), trades JSON doubles (84929.0), as Kraken does
    assert Decimal(last_full["open"]) == Decimal(hour[0]["price"])
    assert Decimal(last_full["close"]) == Decimal(hour[-1]["price"])


def test_sandbox_is_deterministic(http: TestClient) -> None:
    again = make_state()
    app = Starlette(routes=[Mount("/futures", routes=futures_routes(again))])
    with TestClient(app, base_url="http://sandbox") as other:
        a = FuturesMarketData(client_for(http)).orderbook("PF_ETHUSD")
        b = FuturesMarketData(client_for(other)).orderbook("PF_ETHUSD")
    assert a == b


def test_error_shapes(http: TestClient) -> None:
    reply = http.get("/futures/derivatives/api/v3/orderbook?symbol=NOPE")
    assert reply.status_code == 400
    assert reply.json()["errors"] == [{"code": 11, "message": "Argument invalid: symbol"}]
    assert http.get("/futures/api/charts/v1/trade/PF_XBTUSD/2h").text == "Invalid resolution"
    fc = client_for(http)
    with pytest.raises(UnknownSymbolError):
        fc.orderbook("NOPE")
    with pytest.raises(UsageError, match="Invalid resolution"):
        fc.charts("trade", "PF_XBTUSD", "2h", 0, 1)
    bad = client_for(http, Credentials(DEFAULT_KEY, "d3Jvbmc="))
    with pytest.raises(AuthError):
        bad.accounts()


def test_order_flow(http: TestClient) -> None:
    fc = client_for(http)
    price = FuturesMarketData(fc).ticker(["PF_XBTUSD"])[0].to_record()["last"]
    low = str(int(Decimal(price)) - 5000)
    rec = add_order(fc, "BTCUSD", "buy", "0.0100", price=low, cl_ord_id="krx-1")
    assert rec["status"] == "placed"
    account = FuturesAccount(fc)
    orders = records(account.open_orders())
    assert [o["cl_ord_id"] for o in orders] == ["krx-1"]
    assert Decimal(orders[0]["price"]) == Decimal(low)  # the wire sends 79390.0
    edit = AmendRequest(rec["order_id"], price=str(int(low) - 1))
    assert ft.edit_order(fc, edit).status == "edited"
    assert ft.cancel_orders(fc, ["krx-1"])[0].status == "cancelled"
    market = add_order(fc, "PF_XBTUSD", "buy", "0.0100", order_type="market")
    assert market["filled"] == "0.0100"
    pos = records(account.positions())
    assert pos[0]["symbol"] == "PF_XBTUSD" and pos[0]["size"] == "0.0100"
    assert account.trades()[0].to_record()["cl_ord_id"] == market["cl_ord_id"]
    with pytest.raises(OrderError, match="insufficientAvailableFunds"):
        add_order(fc, "PF_XBTUSD", "buy", "100", order_type="market")
    rows = verify_futures(Settings(futures=Credentials(DEFAULT_KEY, DEFAULT_SECRET)), client=fc)
    assert all(r.ok for r in rows if r.check != "futures clock skew")


def test_nonce_duplicate_rejected(http: TestClient) -> None:
    fc = FuturesRest(
        "http://sandbox/futures",
        Credentials(DEFAULT_KEY, DEFAULT_SECRET),
        transport=Bridge(http),
        nonce=lambda: 42,
    )
    fc.accounts()
    with pytest.raises(InvalidNonceError):
        fc.accounts()


def test_ws_public_and_private(http: TestClient, state: FuturesState) -> None:
    with http.websocket_connect("/futures/ws/v1") as ws:
        assert ws.receive_json() == {"event": "info", "version": 1}
        ws.send_json({"event": "subscribe", "feed": "book", "product_ids": ["PF_XBTUSD"]})
        assert ws.receive_json()["event"] == "subscribed"
        snap = json.loads(ws.receive_text())
        assert snap["feed"] == "book_snapshot" and snap["seq"] == 1000
        delta = ws.receive_json()
        assert delta["feed"] == "book" and delta["seq"] == 1001
        ws.send_json({"event": "subscribe", "feed": "nope", "product_ids": ["PF_XBTUSD"]})
        ws.send_json({"event": "subscribe", "feed": "fills", "api_key": DEFAULT_KEY})
        ws.send_json({"event": "challenge", "api_key": DEFAULT_KEY})
        seen: list[dict[str, object]] = []
        while not any(m.get("event") == "challenge" for m in seen):
            seen.append(ws.receive_json())
        alerts = [m["message"] for m in seen if m.get("event") == "alert"]
        assert alerts == [
            "Couldn't subscribe to invalid feed",
            "Failed to subscribe to authenticated feed",
        ]
        challenge = str(next(m for m in seen if m.get("event") == "challenge")["message"])
        ws.send_json(
            {
                "event": "subscribe",
                "feed": "fills",
                "api_key": DEFAULT_KEY,
                "original_challenge": challenge,
                "signed_challenge": futures_ws_challenge(DEFAULT_SECRET, challenge),
            }
        )
        while True:
            msg = ws.receive_json()
            if msg.get("feed") == "fills":
                assert msg["event"] == "subscribed"
                break
