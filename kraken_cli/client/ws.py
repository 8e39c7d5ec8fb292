"""A synchronous Kraken WebSocket v2 connection: requests with req_id, ping, stall watchdog.

Built on websocket-client with ``skip_utf8_validation=True``: its default pure-Python UTF-8
check costs 4.5x throughput and is redundant (``recv`` decodes the text anyway). The socket is
created by an injectable *connect factory*, so tests replay recorded frames through a fake; the
real one (:mod:`kraken_cli.client.ws_socket`) caps message size and bounds each ``recv`` in time,
so the watchdog sees only whole messages as progress (not pings, not trickled bytes).
https://docs.kraken.com/api/docs/websocket-v2/ping
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import websocket

from kraken_cli.client.ws_socket import bounded_connect
from kraken_cli.errors import NetworkError


class Transport(Protocol):
    """What the client needs from a WebSocket: websocket-client's ``WebSocket`` fits."""

    def recv(self) -> str | bytes: ...

    def send(self, payload: str) -> Any: ...

    def close(self) -> Any: ...


#: ``connect(url, timeout_s) -> Transport``; ``timeout_s`` also bounds each ``recv``.
ConnectFactory = Callable[[str, float], Transport]


class WsTimeout(Exception):
    """Raised by a transport's ``recv`` when nothing arrived within its timeout."""


class WsClosed(Exception):
    """Raised by a transport when the connection is gone."""


class ConnectionLost(Exception):
    """The connection dropped or stalled; the caller decides whether to reconnect."""

    def __init__(self, reason: str, healthy: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: Whether the connection delivered data before it was lost (resets the backoff).
        self.healthy = healthy


_TIMEOUTS: tuple[type[BaseException], ...] = (
    WsTimeout,
    TimeoutError,
    websocket.WebSocketTimeoutException,
)
_CLOSED: tuple[type[BaseException], ...] = (WsClosed, websocket.WebSocketException, OSError)


def _never() -> bool:
    return False


def is_timeout(exc: BaseException | None) -> bool:
    """Tell whether ``exc`` is a socket read timeout (what a stall watchdog looks for)."""
    return isinstance(exc, _TIMEOUTS)


def websocket_connect(url: str, timeout_s: float) -> Transport:
    """Open a bounded websocket-client connection tuned for throughput (no UTF-8 re-validation).

    One ``recv`` takes at most ``timeout_s`` (plus one socket read), whatever the server sends.
    """
    ws: Transport = bounded_connect(
        url, timeout_s, skip_utf8_validation=True, enable_multithread=False
    )
    return ws


class WsClient:
    """One WebSocket v2 connection; ``recv`` returns text, ``None`` on an idle tick."""

    def __init__(
        self,
        url: str,
        *,
        connect: ConnectFactory = websocket_connect,
        clock: Callable[[], float] = time.monotonic,
        tick_s: float = 1.0,
        watchdog_s: float = 5.0,
        ping_every_s: float = 30.0,
    ) -> None:
        self.url = url
        self._connect = connect
        self._clock = clock
        self.tick_s = tick_s
        self.watchdog_s = watchdog_s
        self.ping_every_s = ping_every_s
        self._ws: Transport | None = None
        #: Whether the next ``recv`` returns at once (a whole message already read), when the
        #: transport can tell (the real socket can; a fake says no).
        self.ready: Callable[[], bool] = _never
        self._req_id = 0
        self._encode = json.JSONEncoder(separators=(",", ":")).encode
        #: Clock time of the last message received (or of the connect).
        self.last_rx = 0.0
        self._last_ping = 0.0
        #: Clock reading taken at the last ``recv`` return.
        self.now = 0.0

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self) -> None:
        """Connect; raise NetworkError when the server cannot be reached."""
        try:
            self._ws = self._connect(self.url, self.tick_s)
        except (*_TIMEOUTS, *_CLOSED) as exc:
            raise NetworkError(
                f"cannot connect to {self.url}: {exc or type(exc).__name__}",
                hint="check the network, or KRX_WS_URL / KRX_WS_AUTH_URL",
            ) from exc
        self.now = self.last_rx = self._last_ping = self._clock()
        self.ready = getattr(self._ws, "ready", _never)

    def close(self) -> None:
        """Close the socket (idempotent, never raises)."""
        ws, self._ws = self._ws, None
        self.ready = _never
        if ws is not None:
            # closing a dead socket may fail in many ways; it is gone either way
            with contextlib.suppress(Exception):
                ws.close()

    @property
    def connected(self) -> bool:
        """Return whether a socket is open."""
        return self._ws is not None

    # -- requests ----------------------------------------------------------------------------
    def request(self, method: str, params: Mapping[str, Any] | None = None) -> int:
        """Send ``{"method", "params", "req_id"}`` and return the req_id."""
        self._req_id += 1
        msg: dict[str, Any] = {"method": method, "req_id": self._req_id}
        if params is not None:
            msg["params"] = dict(params)
        self._send(self._encode(msg))
        return self._req_id

    def subscribe(self, params: Mapping[str, Any]) -> int:
        """Send a subscribe request; acks arrive later through ``recv``."""
        return self.request("subscribe", params)

    def unsubscribe(self, params: Mapping[str, Any]) -> int:
        """Send an unsubscribe request."""
        return self.request("unsubscribe", params)

    def _send(self, text: str) -> None:
        if self._ws is None:
            raise ConnectionLost("not connected")
        try:
            self._ws.send(text)
        except _CLOSED as exc:
            raise ConnectionLost(f"send failed: {exc or type(exc).__name__}") from exc

    # -- receiving ---------------------------------------------------------------------------
    def recv(self) -> str | None:
        """Return the next text frame, or None after an idle tick.

        Raise ConnectionLost when the socket closes or when no message of any kind (data,
        heartbeat, pong) arrived for ``watchdog_s``.
        """
        ws = self._ws
        if ws is None:
            raise ConnectionLost("not connected")
        try:
            text = ws.recv()
        except _TIMEOUTS:
            now = self.now = self._clock()
            if now - self.last_rx >= self.watchdog_s:
                raise ConnectionLost(
                    f"no message for {now - self.last_rx:.1f}s (watchdog)"
                ) from None
            self._maybe_ping(now)
            return None
        except _CLOSED as exc:
            raise ConnectionLost(f"connection closed: {exc or type(exc).__name__}") from exc
        except UnicodeDecodeError:
            raise ConnectionLost(
                "a text frame that is not UTF-8 (dropped the connection)"
            ) from None
        if not text:
            # websocket-client returns "" for a close frame
            raise ConnectionLost("connection closed by the server")
        now = self.now = self.last_rx = self._clock()
        if now - self._last_ping >= self.ping_every_s:
            self._maybe_ping(now)
        if not isinstance(text, str):
            try:
                text = text.decode()
            except UnicodeDecodeError:
                raise ConnectionLost("a binary frame that is not UTF-8 text") from None
        if not text.startswith("{"):
            # every Kraken v2 message is a JSON object; anything else is not Kraken
            raise ConnectionLost(f"a message that is not a JSON object: {text[:40]!r}")
        return text

    def _maybe_ping(self, now: float) -> None:
        # Kraken idles a connection out after ~60 s without client traffic.
        if now - self._last_ping >= self.ping_every_s:
            self._last_ping = now
            self.request("ping")
