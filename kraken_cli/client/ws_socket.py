"""websocket-client's socket with hard bounds: message size and the time one ``recv`` may take.

websocket-client trusts a frame's declared length (it reads until 2^40 bytes arrived) and joins
continuation frames without limit; it answers pings inside ``recv`` and keeps reading, so a ping
flood or a frame trickled one byte per half-second never lets ``recv`` return. This subclass:

* refuses a data frame, or a fragmented message, larger than ``max_message`` bytes before
  reading its payload, and a control frame larger than RFC 6455's 125 bytes;
* bounds the connect and opening handshake (HANDSHAKE_DEADLINE_S) however slowly it trickles;
* gives every ``recv`` a time budget: past it, the next socket read raises a timeout, so the
  caller's loop (watchdog, ``--duration``) runs at least once per budget whatever arrives.

Partial frames survive such a timeout (websocket-client keeps its read buffer), so a slow but
honest server still gets its message through on a later ``recv``.

Throughput: websocket-client reads each frame with two or three socket reads (header, length,
payload) and builds an ABNF object per frame, about 112k messages per CPU-second on loopback
(the ``websockets`` sync client: ~180k). Here the socket is read 64 KiB at a time and a whole,
unmasked, unfragmented text frame already in that buffer is sliced out directly (~2x);
anything else (control frames, fragments, a frame still arriving, RSV bits) takes
websocket-client's own path, which reads from the same buffer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import websocket
from websocket import ABNF

#: Largest WebSocket message krx accepts (Kraken's largest, a 1000-level book or the
#: instrument snapshot, is well under 2 MiB).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: RFC 6455 5.5: control frames carry at most 125 bytes.
MAX_CONTROL_BYTES = 125
#: Longest a connect + opening handshake may take (a server trickling its 101 reply).
HANDSHAKE_DEADLINE_S = 10.0
#: How long ``close`` waits for the server's close frame (websocket-client waits 3 s).
CLOSE_WAIT_S = 0.5
_DATA = (ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY)
#: Bytes asked of the socket per read (one read then serves many small frames).
READ_AHEAD_BYTES = 64 * 1024
_FIN_TEXT = 0x81  # FIN set, no RSV bits, opcode 1 (text)


class MessageTooLarge(websocket.WebSocketProtocolException):
    """A frame or fragmented message declared more bytes than krx accepts."""


class BoundedWebSocket(websocket.WebSocket):
    """A ``websocket.WebSocket`` with a message-size cap and a per-``recv`` time budget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_message = MAX_MESSAGE_BYTES
        #: Seconds one ``recv`` may take in total (None: unbounded, websocket-client's way).
        self.recv_budget_s: float | None = None
        self._deadline: float | None = None
        self._message_bytes = 0
        # Bytes read from the socket and not parsed yet: _ahead[_pos:].
        self._ahead = b""
        self._pos = 0
        # (pos, payload start, payload end) of the whole text frame found at pos by ready().
        self._span: tuple[int, int, int] | None = None
        # websocket-client holds no partial frame or message (its own path ended normally).
        self._clean = True

    def connect(self, url: str, **options: Any) -> None:
        """Connect and handshake within HANDSHAKE_DEADLINE_S, however slowly the server talks."""
        timer = threading.Timer(HANDSHAKE_DEADLINE_S, self._abort)
        timer.daemon = True
        timer.start()
        try:
            super().connect(url, **options)  # type: ignore[no-untyped-call]
        finally:
            timer.cancel()

    def _abort(self) -> None:
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the handshake's blocked read

    def recv(self) -> Any:
        """Receive one message, within the budget; raise a timeout when it runs out."""
        text = self._next_text_frame()
        if text is not None:
            return text
        budget = self.recv_budget_s
        self._deadline = None if budget is None else time.monotonic() + budget
        self._clean = False  # until it returns: a timeout may leave a frame half read
        try:
            message = super().recv()
        finally:
            self._deadline = None
        self._clean = True
        return message

    def close(
        self, status: int = websocket.STATUS_NORMAL, reason: str | bytes = b"", timeout: Any = None
    ) -> None:
        """Close politely, waiting at most CLOSE_WAIT_S for the server's close frame."""
        wait = CLOSE_WAIT_S if timeout is None else timeout
        self._deadline = time.monotonic() + wait  # a trickling server cannot stretch the wait
        try:
            super().close(status, reason, wait)
        finally:
            self._deadline = None

    def ready(self) -> bool:
        """Tell whether a whole text message is already read (the next ``recv`` won't wait)."""
        self._span = span = self._text_span()
        return span is not None

    def _next_text_frame(self) -> str | None:
        """Return the next message when it is a whole text frame already read; else None."""
        span = self._span
        if span is None or span[0] != self._pos:
            span = self._text_span()
            if span is None:
                return None
        self._span = None
        _, start, self._pos = span
        return self._ahead[start : self._pos].decode()  # UnicodeDecodeError, as the library

    def _text_span(self) -> tuple[int, int, int] | None:
        """Return where the next frame and its payload lie in the read-ahead buffer, when that
        frame is a whole unfragmented text frame within the size cap; else None."""
        if not self._clean and not self._library_idle():
            return None
        ahead, pos = self._ahead, self._pos
        avail = len(ahead) - pos
        if avail < 2 or ahead[pos] != _FIN_TEXT:
            return None
        size = ahead[pos + 1]  # the mask bit set (a masked server frame) means >= 128: not here
        start = pos + 2
        if size >= 126:
            if size == 126 and avail >= 4:
                size = int.from_bytes(ahead[start : start + 2], "big")
                start += 2
            elif size == 127 and avail >= 10:
                size = int.from_bytes(ahead[start : start + 8], "big")
                start += 8
            else:
                return None
        end = start + size
        if end > len(ahead) or size > self.max_message:
            return None
        return pos, start, end

    def _library_idle(self) -> bool:
        """Tell whether websocket-client holds no partial frame or fragmented message."""
        buffer = self.frame_buffer
        idle = buffer.header is None and not buffer.recv_buffer
        self._clean = idle and not self.cont_frame.recving_frames
        return self._clean

    def _recv(self, bufsize: int) -> Any:
        ahead, pos = self._ahead, self._pos
        if pos < len(ahead):
            end = min(pos + bufsize, len(ahead))
            self._pos = end
            return ahead[pos:end]
        if self._deadline is not None and time.monotonic() >= self._deadline:
            raise websocket.WebSocketTimeoutException("recv time budget spent")
        data = super()._recv(READ_AHEAD_BYTES)  # type: ignore[no-untyped-call]
        if len(data) <= bufsize:
            return data
        self._ahead, self._pos, self._span = data, bufsize, None
        return data[:bufsize]

    def recv_frame(self) -> Any:
        """Read one frame, checking its declared length before reading the payload."""
        buffer = self.frame_buffer
        if buffer.needs_header():
            buffer.recv_header()
        if buffer.needs_length():
            buffer.recv_length()
        self._check_length(buffer.header, buffer.length)
        return buffer.recv_frame()

    def _check_length(self, header: Any, length: Any) -> None:
        opcode = header[4]
        size = int(length)
        if opcode in _DATA:
            total = size
        elif opcode == ABNF.OPCODE_CONT:
            total = self._message_bytes + size
        else:
            if size > MAX_CONTROL_BYTES:
                self.frame_buffer.clear()
                raise MessageTooLarge(f"a control frame of {size} bytes (RFC 6455 allows 125)")
            return
        if total > self.max_message:
            self.frame_buffer.clear()
            raise MessageTooLarge(
                f"a message of more than {total} bytes (krx accepts {self.max_message})"
            )
        self._message_bytes = total


def bounded_connect(
    url: str, timeout_s: float, *, recv_budget_s: float | None = None, **options: Any
) -> BoundedWebSocket:
    """Open a :class:`BoundedWebSocket`; ``recv_budget_s`` defaults to ``timeout_s``."""
    ws = websocket.create_connection(url, timeout=timeout_s, class_=BoundedWebSocket, **options)
    assert isinstance(ws, BoundedWebSocket)
    ws.recv_budget_s = timeout_s if recv_budget_s is None else recv_budget_s
    return ws
