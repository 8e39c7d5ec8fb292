"""WebSocket transport bounds against a hostile local server: size caps, time budget, watchdog."""

from __future__ import annotations

import json
import socket
import threading
import time
import tracemalloc

import pytest
import websocket
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.cli.exit_codes import exit_code_for
from kraken_cli.client.futures_ws import FuturesBook, FuturesWs
from kraken_cli.client.ws import ConnectionLost, WsClient, websocket_connect
from kraken_cli.client.ws_socket import CLOSE_WAIT_S, MAX_MESSAGE_BYTES, BoundedWebSocket
from kraken_cli.errors import IntegrityError, NetworkError, ProtocolError
from kraken_cli.services.stream.engine import StreamService
from kraken_cli.services.stream.options import StreamDeps, StreamOptions
from kraken_cli.services.stream.records import StreamPair, StreamRequest
from tests.client import hostile
from tests.client import hostile_ws as hw

PEAK_BYTES = 100 * 1024 * 1024


def _client(url: str, *, tick: float = 0.2, watchdog: float = 1.0) -> WsClient:
    ws = WsClient(url, connect=websocket_connect, tick_s=tick, watchdog_s=watchdog)
    ws.open()
    return ws


def _until_lost(ws: WsClient, limit_s: float) -> tuple[ConnectionLost, float, list[str]]:
    started = time.monotonic()
    got: list[str] = []
    with pytest.raises(ConnectionLost) as info:
        while time.monotonic() - started < limit_s:
            text = ws.recv()
            if text is not None:
                got.append(text)
    return info.value, time.monotonic() - started, got


def test_frame_declaring_a_terabyte_is_refused_before_its_payload() -> None:
    tracemalloc.start()
    try:
        huge = hw.frame(hw.TEXT, b"", length=1 << 40)
        filler = b"x" * 65536
        with hw.serve(hw.forever(lambda _c, n: huge if n == 0 else filler)) as url:
            ws = _client(url)
            lost, took, _ = _until_lost(ws, 10)
            ws.close()
        assert "message of more than" in lost.reason
        assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES
        assert took < 2
    finally:
        tracemalloc.stop()


def test_endless_continuation_frames_are_cut_at_the_message_cap() -> None:
    piece = b"a" * (1024 * 1024)
    start = hw.frame(hw.TEXT, piece, fin=False)
    cont = hw.frame(hw.CONT, piece, fin=False)
    tracemalloc.start()
    try:
        with hw.serve(hw.forever(lambda _c, n: start if n == 0 else cont)) as url:
            ws = _client(url, tick=2.0, watchdog=30.0)
            lost, _took, got = _until_lost(ws, 20)
            ws.close()
        assert got == [] and "message of more than" in lost.reason
        assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES + 2 * MAX_MESSAGE_BYTES
    finally:
        tracemalloc.stop()


def test_oversized_control_frame_is_refused() -> None:
    with hw.serve(hw.once(hw.frame(hw.PING, b"", length=1 << 20))) as url:
        ws = _client(url)
        lost, _took, _ = _until_lost(ws, 5)
        ws.close()
    assert "control frame" in lost.reason


def test_ping_flood_is_not_progress_the_watchdog_fires() -> None:
    ping = hw.frame(hw.PING, b"p")
    with hw.serve(hw.forever(lambda _c, _n: ping, pause_s=0.001)) as url:
        ws = _client(url, tick=0.2, watchdog=1.0)
        lost, took, _ = _until_lost(ws, 10)
        ws.close()
    assert "watchdog" in lost.reason
    assert took < 1.0 + 1.0


def test_one_byte_trickle_is_not_progress_the_watchdog_fires() -> None:
    message = hw.frame(hw.TEXT, b'{"channel":"heartbeat"}' * 4)
    with hw.serve(hw.trickle(message, pause_s=0.05)) as url:
        ws = _client(url, tick=0.2, watchdog=1.0)
        lost, took, got = _until_lost(ws, 10)
        ws.close()
    assert got == [] and "watchdog" in lost.reason
    assert took < 1.0 + 1.0


def test_a_slow_honest_message_still_arrives_whole() -> None:
    body = json.dumps({"channel": "heartbeat", "pad": "x" * 40})
    with hw.serve(hw.trickle(hw.frame(hw.TEXT, body.encode()), pause_s=0.005)) as url:
        ws = _client(url, tick=0.1, watchdog=5.0)
        started = time.monotonic()
        text = None
        while text is None and time.monotonic() - started < 5:
            text = ws.recv()
        ws.close()
    assert text == body


def test_invalid_utf8_text_drops_the_connection_cleanly() -> None:
    with hw.serve(hw.once(hw.frame(hw.TEXT, b"\xff\xfe{}"))) as url:
        ws = _client(url)
        lost, _took, _ = _until_lost(ws, 5)
        ws.close()
    assert "UTF-8" in lost.reason


def test_stream_duration_is_honoured_under_a_ping_flood() -> None:
    ping = hw.frame(hw.PING, b"p")
    with hw.serve(hw.forever(lambda _c, _n: ping, pause_s=0.001)) as url:
        service = StreamService(
            [StreamRequest(channel="ticker", pairs=(StreamPair("BTC/USD", "XXBTZUSD", 1, 8),))],
            StreamDeps(ws_url=url),
            StreamOptions(duration_s=1.0, tick_s=0.2, watchdog_s=30.0, ack_timeout_s=30.0),
            emit=lambda _r: None,
            on_event=lambda _e: None,
        )
        started = time.monotonic()
        assert service.run() == 0
    assert time.monotonic() - started < 1.0 + CLOSE_WAIT_S + 1.0


def test_futures_recv_is_bounded_by_its_timeout_under_a_trickle() -> None:
    info = json.dumps({"event": "info", "version": 1}).encode()
    data = hw.frame(hw.TEXT, info) + hw.frame(hw.TEXT, b'{"feed":"x"}' * 10)
    with hw.serve(hw.trickle(data[: len(info) + 2], pause_s=0.0)) as url:
        ws = FuturesWs(url.replace("/v2", ""), timeout=0.5)
        ws.open()
        started = time.monotonic()
        with pytest.raises(NetworkError):
            ws.recv()
        ws.close()
    assert time.monotonic() - started < 0.5 + 1.0


# -- property: any byte sequence after the handshake gives text, an idle tick or ConnectionLost --

frames = st.builds(
    hw.frame,
    st.sampled_from([hw.TEXT, hw.CONT, hw.BINARY, hw.PING, 0xA, 0x8, 0x3, 0xF]),
    st.binary(max_size=300) | st.just(b'{"channel":"heartbeat"}'),
    fin=st.booleans(),
    length=st.none() | st.integers(0, 1 << 63),
)


def _bounded_pair(data: bytes) -> BoundedWebSocket:
    ours, theirs = socket.socketpair()
    theirs.sendall(data)
    theirs.shutdown(socket.SHUT_WR)
    ws = BoundedWebSocket(skip_utf8_validation=True, enable_multithread=False)
    ws.sock, ws.connected = ours, True
    ws.settimeout(0.2)
    ws.recv_budget_s = 0.2
    ws._peer = theirs  # type: ignore[attr-defined]  # kept open until the test ends
    return ws


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(frames | st.binary(max_size=20), max_size=8))
def test_any_frames_give_text_or_connection_lost(parts: list[bytes]) -> None:
    ws_sock = _bounded_pair(b"".join(parts))
    client = WsClient("ws://fuzz", connect=lambda _u, _t: ws_sock, tick_s=0.2, watchdog_s=0.5)
    client.open()
    started = time.monotonic()
    try:
        for _ in range(len(parts) + 2):
            text = client.recv()
            assert text is None or isinstance(text, str)
    except ConnectionLost as lost:
        assert lost.reason
    finally:
        client.close()
        ws_sock._peer.close()  # type: ignore[attr-defined]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"123", b"null", b" {}"])
def test_a_message_that_is_not_an_object_drops_the_connection(payload: bytes) -> None:
    with hw.serve(hw.once(hw.frame(hw.TEXT, payload))) as url:
        ws = _client(url)
        lost, _took, _ = _until_lost(ws, 5)
        ws.close()
    assert "not a JSON object" in lost.reason


def test_a_trickled_handshake_is_cut_at_the_handshake_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("kraken_cli.client.ws_socket.HANDSHAKE_DEADLINE_S", 1.0)
    reply = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" + b"X: y\r\n" * 100

    def greet(conn: socket.socket) -> bool:
        while b"\r\n\r\n" not in conn.recv(4096):
            pass
        for byte in reply:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
        return False

    with hostile.serve(lambda _c: None, greet=greet) as url:
        started = time.monotonic()
        with pytest.raises(NetworkError):
            WsClient(url.replace("http", "ws"), connect=websocket_connect, tick_s=0.5).open()
    assert time.monotonic() - started < 1.0 + 1.0


# -- futures book frames: any shape is applied or refused as a protocol/integrity error ---------

wire_numbers = st.one_of(
    st.integers(-5, 10**6),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["NaN", "Infinity", "abc", "", "1e999999", True, None]),
)
levels = st.lists(
    st.fixed_dictionaries({}, optional={"price": wire_numbers, "qty": wire_numbers}), max_size=4
)
book_frames = st.fixed_dictionaries(
    {},
    optional={
        "seq": st.one_of(st.integers(-2, 12), st.text(max_size=3), st.none()),
        "bids": levels,
        "asks": levels,
        "price": wire_numbers,
        "qty": wire_numbers,
        "side": st.sampled_from(["buy", "sell", 3]),
    },
)


@settings(max_examples=300, deadline=None)
@given(snapshot=book_frames, deltas=st.lists(book_frames, max_size=5))
def test_futures_book_frames_apply_or_raise_a_mapped_error(
    snapshot: dict[str, object], deltas: list[dict[str, object]]
) -> None:
    book = FuturesBook("PF_XBTUSD")
    try:
        book.snapshot(snapshot)
        for delta in deltas:
            book.apply(delta)
        book.levels(10)
    except (ProtocolError, IntegrityError) as exc:
        assert exit_code_for(exc) in (6, 8)


# -- the read-ahead fast path returns exactly what websocket-client's own path returns ----------

messages = st.lists(
    st.tuples(
        st.text(max_size=40) | st.sampled_from([200, 70_000, 130]).map(lambda n: "é" * n),
        st.booleans(),  # a ping before it
        st.booleans(),  # fragmented into two frames (the library's path)
    ),
    min_size=1,
    max_size=12,
)


def _wire(items: list[tuple[str, bool, bool]]) -> bytes:
    out = b""
    for text, ping, fragmented in items:
        data = text.encode()
        if ping:
            out += hw.frame(hw.PING, b"p")
        if fragmented and len(data) > 1:
            out += hw.frame(hw.TEXT, data[:1], fin=False) + hw.frame(hw.CONT, data[1:])
        else:
            out += hw.frame(hw.TEXT, data)
    return out


def _received(ws_class: type, data: bytes, chunk: int, count: int) -> list[str]:
    ours, theirs = socket.socketpair()

    def feed() -> None:
        for i in range(0, len(data), chunk):
            theirs.sendall(data[i : i + chunk])

    sender = threading.Thread(target=feed, daemon=True)
    sender.start()
    ws = ws_class(skip_utf8_validation=True, enable_multithread=False)
    ws.sock, ws.connected = ours, True
    ws.settimeout(5)
    try:
        return [ws.recv() for _ in range(count)]
    finally:
        sender.join(5)
        ours.close()
        theirs.close()


@settings(max_examples=60, deadline=None)
@given(items=messages, chunk=st.sampled_from([1, 7, 1000, 1 << 20]))
def test_read_ahead_returns_what_websocket_client_returns(
    items: list[tuple[str, bool, bool]], chunk: int
) -> None:
    data = _wire(items)
    expected = [text for text, _ping, _frag in items]
    assert _received(websocket.WebSocket, data, 1 << 20, len(items)) == expected
    assert _received(BoundedWebSocket, data, chunk, len(items)) == expected


def test_ready_tells_whether_a_whole_message_is_already_read() -> None:
    ours, theirs = socket.socketpair()
    theirs.sendall(hw.frame(hw.TEXT, b'{"a":1}') + hw.frame(hw.TEXT, b'{"b":2}') + b"\x81\x07{")
    ws = BoundedWebSocket(skip_utf8_validation=True, enable_multithread=False)
    ws.sock, ws.connected = ours, True
    ws.settimeout(0.5)
    try:
        assert not ws.ready()  # nothing read yet
        assert ws.recv() == '{"a":1}'
        assert ws.ready()
        assert ws.recv() == '{"b":2}'
        assert not ws.ready()  # a frame only partly here
        theirs.sendall(b'"c":3}')
        assert ws.recv() == '{"c":3}'
    finally:
        ours.close()
        theirs.close()
