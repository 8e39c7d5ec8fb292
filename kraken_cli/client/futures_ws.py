"""Kraken Futures WebSocket v1 client (websocket-client): subscribe, challenge auth, book.

https://docs.kraken.com/api/docs/futures-api/websocket/introduction

On connect the server sends ``{"event":"info","version":1}``. Public feeds: ``trade`` (after a
``trade_snapshot``, newest first), ``ticker``, ``book`` (``book_snapshot`` then deltas carrying
``seq``). No checksum is documented for the futures book, so integrity rests on ``seq``: a gap
raises :class:`BookGap` and the caller resnapshots. Private feeds need a signed challenge.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from kraken_cli.config.settings import Credentials
from kraken_cli.errors import (
    AuthError,
    IntegrityError,
    KrakenError,
    NetworkError,
    ProtocolError,
    UsageError,
)
from kraken_cli.protocol.signing import futures_ws_challenge


class Connection(Protocol):
    """The part of ``websocket.WebSocket`` krx uses."""

    def send(self, payload: str) -> Any: ...
    def recv(self) -> Any: ...
    def close(self) -> Any: ...


Connect = Callable[[str, float], Connection]


def default_connect(url: str, timeout: float) -> Connection:
    """Open a bounded websocket-client connection (message cap; ``recv`` within ``timeout``)."""
    import websocket

    from kraken_cli.client.ws_socket import bounded_connect

    try:
        conn: Connection = bounded_connect(url, timeout)
    except (OSError, websocket.WebSocketException) as exc:
        raise NetworkError(
            f"cannot open {url}: {exc}", hint="check the network and KRX_FUTURES_WS_URL"
        ) from exc
    return conn


def _no_constant(name: str) -> Any:
    # numbers stay exact wire text (like models.futures.loads); NaN/Infinity are not numbers
    raise ValueError(f"{name} is not a number Kraken sends")


class BookGap(IntegrityError):
    """A futures book delta arrived out of sequence."""

    kind = "book_gap"


class FuturesWs:
    """One futures WS connection: JSON frames in, parsed dicts out (numbers as exact text)."""

    def __init__(
        self,
        url: str,
        credentials: Credentials | None = None,
        *,
        connect: Connect = default_connect,
        timeout: float = 10.0,
        ping_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url, self.credentials = url, credentials
        self._connect, self.timeout, self.ping_s, self._clock = connect, timeout, ping_s, clock
        self._conn: Connection | None = None
        self._last_send = clock()
        self._challenge: tuple[str, str] | None = None
        #: When set (the clock's seconds), no ``recv`` waits past it, however silent the server.
        self.deadline: float | None = None

    def open(self) -> dict[str, Any]:
        """Connect and return the server's ``info`` frame."""
        self._conn = self._connect(self.url, self.timeout)
        self._challenge = None
        first = self.recv()
        if first.get("event") != "info":
            raise NetworkError(f"unexpected first frame from {self.url}: {first}")
        return first

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            # Closing a broken socket may fail in any way; the connection is gone either way.
            with contextlib.suppress(Exception):
                conn.close()

    def send(self, payload: dict[str, Any]) -> None:
        """Send one JSON frame."""
        if self._conn is None:
            raise NetworkError("futures WebSocket is not connected")
        try:
            self._conn.send(json.dumps(payload))
        except Exception as exc:
            raise NetworkError(f"futures WebSocket send failed: {exc}") from exc
        self._last_send = self._clock()

    def recv(self) -> dict[str, Any]:
        """Return the next frame; keep the connection alive (futures drops idle clients)."""
        if self._conn is None:
            raise NetworkError("futures WebSocket is not connected")
        if self._clock() - self._last_send > self.ping_s:
            self.send({"event": "subscribe", "feed": "heartbeat"})
        self._fit_to_deadline(self._conn)
        try:
            raw = self._conn.recv()
        except Exception as exc:
            raise NetworkError(f"futures WebSocket closed: {exc}") from exc
        if not raw:
            raise NetworkError("futures WebSocket closed by the server")
        try:
            frame = json.loads(raw, parse_float=str, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError, RecursionError, ArithmeticError) as exc:
            raise NetworkError(f"futures WebSocket frame is not JSON: {raw[:80]!r}") from exc
        if not isinstance(frame, dict):
            raise NetworkError(f"unexpected futures WebSocket frame: {raw!r:.80}")
        return frame

    def _fit_to_deadline(self, conn: Connection) -> None:
        """Shorten the socket's wait and recv budget to the time left before ``deadline``."""
        if self.deadline is None:
            return
        wait = min(self.timeout, max(0.01, self.deadline - self._clock()))
        # a websocket-client socket (ws_socket.BoundedWebSocket) takes both; a fake, neither
        settimeout = getattr(conn, "settimeout", None)
        if settimeout is not None:
            settimeout(wait)
        if hasattr(conn, "recv_budget_s"):
            conn.recv_budget_s = wait

    def subscribe(self, feed: str, product_ids: list[str] | None = None) -> None:
        """Subscribe to a public feed."""
        msg: dict[str, Any] = {"event": "subscribe", "feed": feed}
        if product_ids:
            msg["product_ids"] = product_ids
        self.send(msg)

    def unsubscribe(self, feed: str, product_ids: list[str]) -> None:
        """Unsubscribe from a public feed."""
        self.send({"event": "unsubscribe", "feed": feed, "product_ids": product_ids})

    def subscribe_private(self, feed: str) -> None:
        """Subscribe to a private feed, signing a fresh challenge once per connection."""
        if self.credentials is None:
            raise AuthError("no Kraken Futures API key configured", hint="set KRAKEN_FUTURES_*")
        if self._challenge is None:
            self.send({"event": "challenge", "api_key": self.credentials.key})
            while True:
                frame = self.recv()
                if frame.get("event") == "challenge":
                    break
                check_alert(frame)
            original = str(frame["message"])
            signed = futures_ws_challenge(self.credentials.secret, original)
            self._challenge = (original, signed)
        original, signed = self._challenge
        self.send(
            {
                "event": "subscribe",
                "feed": feed,
                "api_key": self.credentials.key,
                "original_challenge": original,
                "signed_challenge": signed,
            }
        )


def check_alert(frame: dict[str, Any]) -> None:
    """Raise the KrxError for an ``alert`` frame (no correlation id exists on futures)."""
    if frame.get("event") != "alert":
        return
    message = str(frame.get("message", "alert"))
    if "authenticated" in message or "API key" in message:
        raise AuthError(f"Kraken Futures WS: {message}", hint="check the futures key/secret")
    if "invalid" in message.lower():
        raise UsageError(f"Kraken Futures WS: {message}", hint="check the feed and symbols")
    raise KrakenError(f"Kraken Futures WS: {message}")


def _price(value: Any) -> Decimal:
    """Parse a wire price or quantity; refuse NaN, infinities and non-numbers."""
    number = Decimal(str(value))
    if not number.is_finite() or isinstance(value, bool):
        raise ValueError(f"not a finite number: {value!r:.40}")
    return number


def _malformed(kind: str, exc: BaseException) -> ProtocolError:
    return ProtocolError("Kraken Futures WS", f"a {kind} frame that does not parse ({exc!r:.80})")


class FuturesBook:
    """An L2 book kept from ``book_snapshot`` + ``book`` deltas, checked by ``seq``."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.seq: int | None = None
        self.bids: dict[Decimal, str] = {}
        self.asks: dict[Decimal, str] = {}
        self._text: dict[Decimal, str] = {}

    def snapshot(self, frame: dict[str, Any]) -> None:
        """Replace the book with a ``book_snapshot``."""
        try:
            seq = int(frame["seq"])
            bids = {_price(lv["price"]): str(lv["qty"]) for lv in frame.get("bids", [])}
            asks = {_price(lv["price"]): str(lv["qty"]) for lv in frame.get("asks", [])}
            levels = [*frame.get("bids", []), *frame.get("asks", [])]
            texts = {_price(lv["price"]): str(lv["price"]) for lv in levels}
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise _malformed("book_snapshot", exc) from exc
        self.seq, self.bids, self.asks = seq, bids, asks
        self._text.update(texts)

    def apply(self, frame: dict[str, Any]) -> None:
        """Apply one delta; raise :class:`BookGap` when ``seq`` skips."""
        try:
            self._apply(frame)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise _malformed("book", exc) from exc

    def _apply(self, frame: dict[str, Any]) -> None:
        seq = int(frame["seq"])
        if self.seq is None:
            raise BookGap(f"{self.symbol}: book delta before a snapshot")
        if seq <= self.seq:
            return  # a stale or duplicate delta: already reflected
        if seq != self.seq + 1:
            expected = self.seq + 1
            self.seq = None
            raise BookGap(f"{self.symbol}: book seq jumped from {expected - 1} to {seq}")
        price = _price(frame["price"])
        qty = _price(frame["qty"])
        self.seq = seq
        self._text[price] = str(frame["price"])
        side = self.bids if frame.get("side") == "buy" else self.asks
        if qty == 0:
            side.pop(price, None)
        else:
            side[price] = str(frame["qty"])

    def levels(self, depth: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
        """Return (bids best first, asks best first) as ``[price, qty]`` text pairs."""
        bids = sorted(self.bids, reverse=True)[:depth]
        asks = sorted(self.asks)[:depth]
        return (
            [[self._text[p], self.bids[p]] for p in bids],
            [[self._text[p], self.asks[p]] for p in asks],
        )
