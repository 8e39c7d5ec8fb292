"""A tiny hostile HTTP server on 127.0.0.1 for resource tests (one thread, bounded in time)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator

#: Every connection the server holds is dropped after this long, whatever the client does.
LIFETIME_S = 20.0

Behaviour = Callable[[socket.socket], None]


def _send_all(conn: socket.socket, data: bytes) -> bool:
    try:
        conn.sendall(data)
    except OSError:
        return False
    return True


def drip(interval_s: float, head: bytes | None = None) -> Behaviour:
    """Send a valid header then a 100-byte body one byte per ``interval_s`` (head: dripped)."""

    def run(conn: socket.socket) -> None:
        header = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        if head is not None:  # drip the header itself
            payload = head
        else:
            if not _send_all(conn, header):
                return
            payload = b'{"error":[],"result":{}}' + b" " * 76
        end = time.monotonic() + LIFETIME_S
        for byte in payload:
            if time.monotonic() > end or not _send_all(conn, bytes([byte])):
                return
            time.sleep(interval_s)

    return run


def huge_body(total: int, chunk: int = 64 * 1024) -> Behaviour:
    """Declare and send ``total`` bytes of JSON-ish filler, until the client hangs up."""

    def run(conn: socket.socket) -> None:
        header = f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode()
        if not _send_all(conn, header):
            return
        block = b"[" * 1 + b"0," * (chunk // 2 - 1)
        sent, end = 0, time.monotonic() + LIFETIME_S
        while sent < total and time.monotonic() < end:
            if not _send_all(conn, block):
                return
            sent += len(block)

    return run


def gzip_bomb(inflated: int, encoding: str = "gzip") -> Behaviour:
    """Stream a gzip (or deflate) body that inflates to ``inflated`` bytes of zeros."""

    def run(conn: socket.socket) -> None:
        header = (
            f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
        ).encode()
        if not _send_all(conn, header):
            return
        wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        deflate = zlib.compressobj(9, zlib.DEFLATED, wbits)
        zeros = b"0" * (1024 * 1024)
        done, end = 0, time.monotonic() + LIFETIME_S
        while done < inflated and time.monotonic() < end:
            if not _send_all(conn, deflate.compress(zeros)):
                return
            done += len(zeros)
        _send_all(conn, deflate.flush())

    return run


@contextlib.contextmanager
def serve(
    behaviour: Behaviour, greet: Callable[[socket.socket], bool] | None = None
) -> Iterator[str]:
    """Run ``behaviour`` for each connection; yield the base URL; stop on exit.

    ``greet`` (a handshake) replaces reading the request; False drops the connection.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(LIFETIME_S)
            with contextlib.suppress(OSError):
                if greet is None:
                    conn.recv(65536)  # the request; its content does not matter
                elif not greet(conn):
                    return
                behaviour(conn)

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conns.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        listener.close()
