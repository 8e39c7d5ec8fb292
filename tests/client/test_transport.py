"""The stdlib REST transport: keep-alive, dropped connections, chunked gzip, no TLS for http."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from kraken_cli.client import transport
from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.httpx_transport import HttpxTransport
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.client.transport import StdlibTransport, proxy_configured
from kraken_cli.errors import NetworkError
from tests.client import hostile

OK = json.dumps({"error": [], "result": {"unixtime": 1}}).encode()


def _reply(body: bytes, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Type: application/json", *extra]
    return b"\r\n".join([*head, b"Content-Length: %d" % len(body), b"", body])


def _answer(requests: int, connections: list[int]) -> Callable[[socket.socket], None]:
    """Answer up to ``requests`` requests on each connection, then hang up; count connections."""

    def run(conn: socket.socket) -> None:
        connections.append(1)
        for _ in range(requests):
            if not conn.recv(65536):
                return
            conn.sendall(_reply(OK))

    return run


def _client(url: str) -> KrakenHttp:
    return KrakenHttp(url, retry=RetryPolicy.none(), pacer=PublicPacer(0))


def test_without_a_proxy_or_injected_transport_krx_uses_the_stdlib_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(_client("https://api.kraken.com")._transport, StdlibTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    assert isinstance(_client("https://api.kraken.com")._transport, HttpxTransport)
    injected = httpx.MockTransport(lambda _r: httpx.Response(200, content=OK))
    assert isinstance(KrakenHttp("https://k", transport=injected)._transport, HttpxTransport)


def test_proxy_variables_are_read_in_either_case() -> None:
    assert proxy_configured({"https_proxy": "http://p:1"})
    assert proxy_configured({"ALL_PROXY": "socks5://p:1"})
    assert not proxy_configured({"HTTPS_PROXY": "", "NO_PROXY": "*"})


def test_requests_share_one_keep_alive_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tls() -> None:
        raise AssertionError("a TLS context was built for http://")

    monkeypatch.setattr(transport, "tls_context", no_tls)
    connections: list[int] = []
    with hostile.serve(_answer(3, connections), greet=lambda _c: True) as url, _client(url) as http:
        for _ in range(3):
            assert http.public("Time") == {"unixtime": 1}
    assert len(connections) == 1


def test_a_dropped_idle_connection_is_reopened_once() -> None:
    connections: list[int] = []
    with hostile.serve(_answer(1, connections), greet=lambda _c: True) as url, _client(url) as http:
        assert http.public("Time") == {"unixtime": 1}
        assert http.public("Time") == {"unixtime": 1}  # the server hung up in between
    assert len(connections) == 2


def test_a_chunked_gzip_reply_is_inflated() -> None:
    packed = gzip.compress(OK)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (packed[:10], packed[10:]))
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"

    def run(conn: socket.socket) -> None:
        conn.sendall(head + chunks + b"0\r\n\r\n")

    with hostile.serve(run) as url, _client(url) as http:
        assert http.public("Time") == {"unixtime": 1}


def test_a_refused_connection_is_a_network_error_naming_the_url() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with _client(f"http://127.0.0.1:{port}") as http, pytest.raises(NetworkError) as info:
        http.public("Time")
    assert "cannot connect to" in info.value.message
    assert info.value.hint


def test_a_reply_cut_short_is_a_network_error() -> None:
    def run(conn: socket.socket) -> None:
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"error"')

    with hostile.serve(run) as url, _client(url) as http, pytest.raises(NetworkError) as info:
        http.public("Time")
    assert "IncompleteRead" in info.value.message


def test_threads_sharing_a_client_each_get_their_own_reply() -> None:
    # krx serve shares one client between request threads: no reply may go to the wrong caller
    def echo_path(conn: socket.socket) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1].decode()
            body = json.dumps({"error": [], "result": {"path": path}}).encode()
            conn.sendall(_reply(body))

    def call(http: KrakenHttp, n: int) -> list[bool]:
        return [
            http.public("Ticker", {"pair": f"P{n}x{i}"})
            == {"path": f"/0/public/Ticker?pair=P{n}x{i}"}
            for i in range(10)
        ]

    with (
        hostile.serve(echo_path, greet=lambda _c: True) as url,
        _client(url) as http,
        ThreadPoolExecutor(8) as pool,
    ):
        results = list(pool.map(lambda n: call(http, n), range(8)))
    assert all(all(r) for r in results)


def test_every_request_is_counted_by_outcome() -> None:
    from kraken_cli.client.http import RequestCount

    count = RequestCount()
    for outcome in ("200", "200", "error"):
        count.add(outcome)
    assert count.snapshot() == {"200": 2, "error": 1}
