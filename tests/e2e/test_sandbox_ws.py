"""End-to-end: the sandbox's WebSocket v2 (public and private) against real message shapes."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import websocket

from kraken_cli.protocol.checksum import book_checksum
from tests.e2e.conftest import SandboxHandle
from tests.sandbox.shapes import assert_shape, ok, sample

pytestmark = pytest.mark.e2e


def parse(text: str) -> Any:
    """Decode keeping every JSON float as its exact wire text."""
    return json.loads(text, parse_float=str)


@contextmanager
def connect(url: str, timeout: float = 5) -> Iterator[websocket.WebSocket]:
    ws = websocket.create_connection(url, timeout=timeout)
    try:
        yield ws
    finally:
        ws.close()


def recv(ws: websocket.WebSocket) -> Any:
    return parse(ws.recv())


def until(ws: websocket.WebSocket, match: Callable[[Any], bool], limit: float = 10) -> Any:
    """Read messages until one matches (heartbeats and others are skipped)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        message = recv(ws)
        if match(message):
            return message
    raise AssertionError("no matching message")


def real(name: str, index: int | None = None) -> Any:
    data = sample(name)
    return data if index is None else data[index]


def subscribe(ws: websocket.WebSocket, req_id: int = 1, **params: Any) -> Any:
    ws.send(json.dumps({"method": "subscribe", "params": params, "req_id": req_id}))
    return until(ws, lambda m: m.get("method") == "subscribe")


FLOAT_TEXT = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _floatify(value: Any) -> Any:
    """Turn wire-text floats (kept as str by :func:`parse`) back into floats for shapes."""
    if isinstance(value, dict):
        return {k: _floatify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floatify(v) for v in value]
    if isinstance(value, str) and FLOAT_TEXT.fullmatch(value) and not value.isdigit():
        return float(value)
    return value


def test_status_ping_and_errors(sandbox: SandboxHandle) -> None:
    with connect(sandbox.ws_url) as ws:
        status = json.loads(ws.recv())
        assert_shape(status, real("ws-v2-status.json"))
        ws.send(json.dumps({"method": "ping", "req_id": 101}))
        pong = until(ws, lambda m: m.get("method") == "pong")
        assert_shape(pong, real("ws-v2-pong.json"))
        assert (
            pong["req_id"] == 101 and pong["time_in"].endswith("Z") and len(pong["time_in"]) == 27
        )
        ws.send(
            json.dumps(
                {"method": "subscribe", "params": {"channel": "ticker", "symbol": ["XBT/USD"]}}
            )
        )
        refused = until(ws, lambda m: m.get("method") == "subscribe")
        assert_shape(refused, real("ws-v2-errors.json", 0))
        assert refused["error"] == "Currency pair not supported XBT/USD"
        ws.send(
            json.dumps({"method": "subscribe", "params": {"channel": "executions", "token": "x"}})
        )
        wrong_host = until(ws, lambda m: m.get("method") == "subscribe")
        assert_shape(wrong_host, real("ws-v2-errors.json", 1))
        assert wrong_host["error"] == real("ws-v2-errors.json", 1)["error"]
    with connect(sandbox.ws_auth_url) as ws:
        recv(ws)
        ws.send(
            json.dumps(
                {"method": "subscribe", "params": {"channel": "ticker", "symbol": ["BTC/USD"]}}
            )
        )
        assert_shape(until(ws, lambda m: "error" in m), real("ws-v2-errors.json", 2))
        ws.send(
            json.dumps({"method": "subscribe", "params": {"channel": "executions", "token": "bad"}})
        )
        assert_shape(until(ws, lambda m: "error" in m), real("ws-v2-errors.json", 3))


def apply(
    book: dict[str, dict[str, str]], side: str, levels: list[dict[str, str]], depth: int
) -> None:
    for level in levels:
        if float(level["qty"]) == 0:
            book[side].pop(level["price"], None)
        else:
            book[side][level["price"]] = level["qty"]
    ordered = sorted(book[side], key=float, reverse=side == "bids")
    for price in ordered[depth:]:
        del book[side][price]


def check(book: dict[str, dict[str, str]], checksum: int) -> bool:
    asks = sorted(book["asks"].items(), key=lambda kv: float(kv[0]))
    bids = sorted(book["bids"].items(), key=lambda kv: float(kv[0]), reverse=True)
    return book_checksum(asks, bids) == checksum


@pytest.mark.parametrize("depth", [10, 1000])
def test_book_checksums_verify_from_wire_text(sandbox: SandboxHandle, depth: int) -> None:
    with connect(sandbox.ws_url) as ws:
        recv(ws)
        ack = subscribe(ws, channel="book", symbol=["BTC/USD"], depth=depth)
        assert_shape(ack, real("ws-v2-subscribe-ack.json", 1) | {"req_id": 1})
        raw = ws.recv()
        snapshot = parse(raw)
        assert snapshot["type"] == "snapshot"
        assert_shape(_floatify(snapshot), real("ws-v2-book-sequence-raw-2026.json", 0))
        data = snapshot["data"][0]
        assert len(data["asks"]) == depth and len(data["bids"]) == depth
        # trailing zeros on the wire, e.g. "qty":0.01000000
        assert '"qty":' in raw and all(len(lv["qty"].split(".")[1]) == 8 for lv in data["asks"])
        book = {"asks": {}, "bids": {}}
        apply(book, "asks", data["asks"], depth)
        apply(book, "bids", data["bids"], depth)
        assert check(book, data["checksum"])
        updates = 0
        deadline = time.monotonic() + 4
        while updates < 8 and time.monotonic() < deadline:
            message = recv(ws)
            if message.get("channel") != "book":
                continue
            assert_shape(_floatify(message), real("ws-v2-book-sequence-raw-2026.json", 1))
            item = message["data"][0]
            apply(book, "asks", item["asks"], depth)
            apply(book, "bids", item["bids"], depth)
            assert check(book, item["checksum"]), f"checksum mismatch after update {updates}"
            assert len(book["asks"]) == depth and len(book["bids"]) == depth
            updates += 1
        assert updates >= 3


def test_corrupt_checksum_fault(sandbox: SandboxHandle) -> None:
    sandbox.control({"corrupt_checksum": {"symbol": "BTC/USD", "count": 1}})
    try:
        with connect(sandbox.ws_url) as ws:
            recv(ws)
            subscribe(ws, channel="book", symbol=["BTC/USD"], depth=10)
            data = recv(ws)["data"][0]
            book = {"asks": {}, "bids": {}}
            apply(book, "asks", data["asks"], 10)
            apply(book, "bids", data["bids"], 10)
            assert not check(book, data["checksum"])
    finally:
        sandbox.control({"reset": True})


def test_trade_ticker_ohlc_instrument(sandbox: SandboxHandle) -> None:
    with connect(sandbox.ws_url) as ws:
        recv(ws)
        ack = subscribe(ws, channel="trade", symbol=["DOGE/USD"], snapshot=True)
        assert_shape(ack, real("ws-v2-subscribe-ack.json", 0) | {"req_id": 1})
        snapshot = until(ws, lambda m: m.get("channel") == "trade")
        assert snapshot["type"] == "snapshot" and len(snapshot["data"]) == 50
        ids = [t["trade_id"] for t in snapshot["data"]]
        update = until(ws, lambda m: m.get("channel") == "trade" and m["type"] == "update")
        assert_shape(_floatify(update), real("ws-v2-trade.json"))
        assert update["data"][0]["trade_id"] == ids[-1] + 1
        subscribe(ws, 2, channel="ticker", symbol=["DOGE/USD"])
        ticker = until(ws, lambda m: m.get("channel") == "ticker")
        assert_shape(_floatify(ticker), real("ws-v2-ticker.json") | {"type": "snapshot"})
        subscribe(ws, 3, channel="ohlc", symbol=["DOGE/USD"], interval=5)
        until(ws, lambda m: m.get("channel") == "ohlc" and m["type"] == "snapshot")
        candle = until(ws, lambda m: m.get("channel") == "ohlc" and m["type"] == "update")
        assert_shape(_floatify(candle), real("ws-v2-ohlc.json"))
        begin = candle["data"][0]["interval_begin"]
        assert len(begin.split(".")[1]) == 10 and begin.endswith("Z")
        heartbeat = until(ws, lambda m: m.get("channel") == "heartbeat", limit=20)
        assert heartbeat == real("ws-v2-heartbeat.json")
        subscribe(ws, 4, channel="instrument")
        instrument = until(ws, lambda m: m.get("channel") == "instrument")
        sample_pair = real("ws-v2-instrument.json", 0)["data"]["pairs"][0]
        for pair in _floatify(instrument)["data"]["pairs"]:
            if pair["marginable"]:
                assert_shape(pair, sample_pair)
        ws.send(
            json.dumps(
                {"method": "unsubscribe", "params": {"channel": "trade", "symbol": ["DOGE/USD"]}}
            )
        )
        assert until(ws, lambda m: m.get("method") == "unsubscribe")["success"] is True


def test_private_executions_and_balances(sandbox: SandboxHandle) -> None:
    token = ok(sandbox.private("GetWebSocketsToken"))["token"]
    with connect(sandbox.ws_auth_url) as ws:
        recv(ws)
        ack = subscribe(ws, channel="executions", token=token, snap_orders=True, snap_trades=True)
        assert_shape(ack, real("ws-v2-executions.json", 0) | {"req_id": 1})
        snapshot = until(ws, lambda m: m.get("channel") == "executions")
        assert snapshot["type"] == "snapshot" and isinstance(snapshot["sequence"], int)
        ack = subscribe(ws, 2, channel="balances", token=token)
        assert_shape(ack, real("ws-v2-balances.json", 0) | {"req_id": 2})
        balances = until(ws, lambda m: m.get("channel") == "balances")
        assert_shape(_floatify(balances), real("ws-v2-balances.json", 1))
        ok(
            sandbox.private(
                "AddOrder", pair="XBTUSD", type="buy", ordertype="market", volume="0.001"
            )
        )
        kinds = []
        deadline = time.monotonic() + 5
        ledger = None
        while time.monotonic() < deadline and ("filled" not in kinds or ledger is None):
            message = recv(ws)
            if message.get("channel") == "executions":
                kinds += [d["exec_type"] for d in message["data"]]
                if message["data"][0]["exec_type"] == "pending_new":
                    extra = frozenset({"cl_ord_id", "post_only", "reduce_only"})
                    assert_shape(_floatify(message), real("ws-v2-executions.json", 1), extra)
                if message["data"][0]["exec_type"] == "new":
                    assert_shape(_floatify(message), real("ws-v2-executions.json", 2))
                if message["data"][0]["exec_type"] == "trade":
                    trade_sample = real("ws-v2-executions.json", 3)
                    extra = frozenset({"cl_ord_id"})
                    assert_shape(_floatify(message), trade_sample, extra)
            if message.get("channel") == "balances":
                ledger = message
        assert kinds[:2] == ["pending_new", "new"] and "trade" in kinds and "filled" in kinds
        assert ledger is not None
        assert_shape(_floatify(ledger), real("ws-v2-balances.json", 3))


def test_drop_fault_closes_without_close_frame(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    own = sandbox_factory(drop_every=5)
    with connect(own.ws_url) as ws:
        recv(ws)
        subscribe(ws, channel="book", symbol=["BTC/USD"], depth=10)
        received = 0
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            while True:
                text = ws.recv()
                assert text, "got a close frame; expected an abrupt drop"
                if parse(text).get("channel") == "book":
                    received += 1
        assert received == 5


def test_stall_fault(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    own = sandbox_factory(stall_after=3)
    with connect(own.ws_url, timeout=2.5) as ws:
        recv(ws)
        subscribe(ws, channel="book", symbol=["BTC/USD"], depth=10)
        recv(ws)  # third message: the snapshot
        with pytest.raises(websocket.WebSocketTimeoutException):
            ws.recv()


def test_idle_close(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    own = sandbox_factory(idle_timeout=1.5)
    with connect(own.ws_url) as ws:
        recv(ws)
        started = time.monotonic()
        assert ws.recv() == ""  # a close frame, not an abrupt drop
        assert 1.0 < time.monotonic() - started < 5


def test_system_status_fault_reaches_rest_ws_and_trading(sandbox: SandboxHandle) -> None:
    with connect(sandbox.ws_url) as ws:
        assert recv(ws)["data"][0]["system"] == "online"
        sandbox.control({"system_status": "maintenance"})
        try:
            pushed = until(ws, lambda m: m.get("channel") == "status")
            assert pushed["data"][0]["system"] == "maintenance"
            assert ok(sandbox.public("SystemStatus"))["status"] == "maintenance"
            refused = sandbox.private(
                "AddOrder", pair="XBTUSD", type="buy", ordertype="market", volume="0.001"
            ).json()
            assert refused["error"] == ["EService:Unavailable"]  # AddOrder costs 0 on the counter
        finally:
            sandbox.control({"system_status": "online"})
        assert until(ws, lambda m: m.get("channel") == "status")["data"][0]["system"] == "online"


def test_ws_trading_requests(sandbox: SandboxHandle) -> None:
    token = ok(sandbox.private("GetWebSocketsToken"))["token"]
    with connect(sandbox.ws_auth_url) as ws:
        recv(ws)

        def call(method: str, req_id: int, **params: Any) -> Any:
            ws.send(
                json.dumps(
                    {"method": method, "params": {"token": token, **params}, "req_id": req_id}
                )
            )
            return until(ws, lambda m: m.get("method") == method and m.get("req_id") == req_id)

        placed = call(
            "add_order",
            1,
            order_type="limit",
            side="buy",
            order_qty=0.001,
            symbol="BTC/USD",
            limit_price=1000.0,
            cl_ord_id="ws-1",
        )
        assert placed["success"] is True and placed["result"]["cl_ord_id"] == "ws-1"
        order_id = placed["result"]["order_id"]
        amended = call("amend_order", 2, order_id=order_id, limit_price=1001.0)
        assert amended["success"] is True and "amend_id" in amended["result"]
        canceled = call("cancel_order", 3, order_id=[order_id])
        assert canceled["success"] is True and canceled["result"] == {"order_id": order_id}
        refused = call(
            "add_order", 4, order_type="market", side="buy", order_qty=1000, symbol="BTC/USD"
        )
        assert refused["success"] is False and refused["error"] == "EOrder:Insufficient funds"
        filled = call(
            "add_order", 5, order_type="market", side="sell", order_qty=0.001, symbol="BTC/USD"
        )
        assert filled["success"] is True
        assert isinstance(call("cancel_all", 6)["result"]["count"], int)
        ws.send(json.dumps({"method": "add_order", "params": {"token": "bad"}, "req_id": 7}))
        assert until(ws, lambda m: m.get("req_id") == 7)["error"] == "ESession:Invalid session"
    with connect(sandbox.ws_url) as ws:
        recv(ws)
        ws.send(json.dumps({"method": "cancel_all", "params": {"token": token}, "req_id": 8}))
        assert "ws-auth" in until(ws, lambda m: m.get("req_id") == 8)["error"]
