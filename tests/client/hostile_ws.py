"""A hostile WebSocket server on 127.0.0.1: a real handshake, then crafted frames."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import time
from collections.abc import Callable, Iterator

from tests.client import hostile
from tests.client.hostile import LIFETIME_S

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CONT, BINARY, PING = 0x1, 0x0, 0x2, 0x9

Behaviour = Callable[[socket.socket], None]


def frame(opcode: int, payload: bytes, *, fin: bool = True, length: int | None = None) -> bytes:
    """Encode an unmasked server frame; ``length`` may lie about the payload's size."""
    size = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    if size < 126:
        head += bytes([size])
    elif size < 1 << 16:
        head += bytes([126]) + struct.pack("!H", size)
    else:
        head += bytes([127]) + struct.pack("!Q", size)
    return head + payload


def _handshake(conn: socket.socket) -> bool:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        request += chunk
    key = b""
    for line in request.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    return True


def forever(step: Callable[[socket.socket, int], bytes], pause_s: float = 0.0) -> Behaviour:
    """Send ``step(conn, n)`` for n = 0, 1, ... until the client leaves or the lifetime ends."""

    def run(conn: socket.socket) -> None:
        end = time.monotonic() + LIFETIME_S
        n = 0
        while time.monotonic() < end:
            conn.sendall(step(conn, n))
            n += 1
            if pause_s:
                time.sleep(pause_s)

    return run


def trickle(data: bytes, pause_s: float) -> Behaviour:
    """Send ``data`` one byte at a time."""

    def run(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(pause_s)
        _await_close(conn)

    return run


def _await_close(conn: socket.socket) -> None:
    """Read (and drop) what the client sends until it hangs up."""
    while conn.recv(4096):
        pass


def once(data: bytes) -> Behaviour:
    """Send ``data`` then stay silent."""

    def run(conn: socket.socket) -> None:
        conn.sendall(data)
        _await_close(conn)

    return run


@contextlib.contextmanager
def serve(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` after the handshake on each connection; yield the ws:// URL."""
    with hostile.serve(behaviour, greet=_handshake) as url:
        yield url.replace("http://", "ws://") + "/v2"
