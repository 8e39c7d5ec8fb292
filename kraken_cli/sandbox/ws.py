"""WS v2 connections (``/v2`` public, ``/auth/v2`` private) as a raw ASGI handler.

Raw ASGI (not Starlette's WebSocket) because the ``drop`` fault must cut the TCP connection
*without* a close frame, which needs uvicorn's transport. Every outgoing frame passes through
:meth:`Connection.send` where the drop/stall faults apply.
https://docs.kraken.com/api/docs/websocket-v2/book
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from decimal import Decimal
from typing import Any

from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.wire import dumps, rfc3339_us
from kraken_cli.sandbox.ws_limits import EXCEEDED
from kraken_cli.sandbox.ws_link import (
    WRONG_HOST_PRIVATE,
    WRONG_HOST_PUBLIC,
    Receive,
    Scope,
    Send,
)
from kraken_cli.sandbox.ws_private import PrivateChannels
from kraken_cli.sandbox.ws_public import PublicChannels
from kraken_cli.sandbox.ws_trading import METHODS as TRADING_METHODS
from kraken_cli.sandbox.ws_trading import trade_request

MAX_BACKLOG = 20_000
PUBLIC_CHANNELS = ("ticker", "book", "trade", "ohlc", "instrument", "heartbeat", "status")
PRIVATE_CHANNELS = ("executions", "balances", "level3")


class Connection:
    """One WS client: its subscriptions, book views and fault counters."""

    def __init__(self, sb: Sandbox, send: Send, private: bool) -> None:
        self.sb = sb
        self._send = send
        self.private = private
        self.subs: dict[tuple[str, str], dict[str, object]] = {}
        self.events: asyncio.Queue[tuple[str, str, object]] = asyncio.Queue()
        self.lock = asyncio.Lock()
        self.sent = 0
        self.data_sent = 0
        self.alive = True
        self.last_client = asyncio.get_running_loop().time()
        self.priv = PrivateChannels(self)
        self.pub = PublicChannels(self)
        self.sub_bucket = sb.ws_limits.bucket()

    # -- output -----------------------------------------------------------------------------
    def wants_trades(self, key: str) -> bool:
        """Tell whether this connection turns trades of pair ``key`` into messages."""
        symbol = self.sb.tapes[key].pair.symbol
        return any((channel, symbol) in self.subs for channel in ("trade", "ticker", "ohlc"))

    def on_event(self, kind: str, key: str, payload: object) -> None:
        """Queue a hub event (called synchronously by the hub)."""
        if not self.alive:
            return
        if kind == "book" and not self._wants_book(key):
            return  # with 1,500 pairs, queueing every pair's book steps swamps the loop
        if self.events.qsize() >= MAX_BACKLOG:
            # a consumer this far behind would be disconnected by Kraken too
            self.abort()
            return
        self.events.put_nowait((kind, key, payload))

    def _wants_book(self, key: str) -> bool:
        tape = self.sb.tapes.get(key)
        if tape is None or self.private:
            return True  # private channels (level3, own orders) decide for themselves
        symbol = tape.pair.symbol
        return ("book", symbol) in self.subs or ("ticker", symbol) in self.subs

    async def send(self, message: object, data: bool = True) -> None:
        """Send one JSON text frame, applying the stall and drop faults."""
        if not self.alive:
            return
        faults = self.sb.faults
        if faults.stall_after and self.sent >= faults.stall_after:
            return  # stalled: keep the socket open but say nothing
        text = message if isinstance(message, str) else dumps(message)
        try:
            await self._send({"type": "websocket.send", "text": text})
        except Exception:  # the client went away; the reader notices the disconnect
            self.alive = False
            return
        self.sent += 1
        if data:
            self.data_sent += 1
            if faults.should_drop(self.data_sent):
                self.abort()

    def abort(self) -> None:
        """Cut the TCP connection without a close frame (the ``drop`` fault)."""
        self.alive = False
        transport = getattr(getattr(self._send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()

    def stamp(self) -> str:
        """Return the server time as RFC3339 µs (with the skew fault)."""
        return rfc3339_us(self.sb.server_now())

    async def reply(self, body: dict[str, object], req_id: object, time_in: str) -> None:
        """Send an ack/error with ``time_in``/``time_out`` and the echoed ``req_id``."""
        body["time_in"] = time_in
        body["time_out"] = self.stamp()
        if req_id is not None:
            body["req_id"] = req_id
        await self.send(body, data=False)

    # -- input ------------------------------------------------------------------------------
    async def handle(self, text: str) -> None:
        """Handle one client frame."""
        time_in = self.stamp()
        try:
            # Decimal keeps order quantities and prices exact (they arrive as JSON numbers)
            msg = json.loads(text, parse_float=Decimal)
        except ValueError:
            msg = None
        if not isinstance(msg, dict):
            await self.reply(
                {"error": "Malformed request", "method": "", "success": False}, None, time_in
            )
            return
        method, req_id = msg.get("method"), msg.get("req_id")
        params = msg.get("params") or {}
        if method == "ping":
            await self.reply({"method": "pong"}, req_id, time_in)
        elif method in ("subscribe", "unsubscribe") and isinstance(params, dict):
            await self.subscription(method, params, req_id, time_in)
        elif method in TRADING_METHODS and isinstance(params, dict):
            await trade_request(self, str(method), params, req_id, time_in)
        else:
            await self.reply(
                {"error": f"Method not found: {method}", "method": str(method), "success": False},
                req_id,
                time_in,
            )

    async def subscription(
        self, method: str, params: dict[str, Any], req_id: object, time_in: str
    ) -> None:
        """Handle subscribe/unsubscribe for every requested symbol."""
        channel = str(params.get("channel", ""))
        fail: dict[str, object] = {"method": method, "success": False}
        if channel in PRIVATE_CHANNELS and not self.private:
            await self.reply({"error": WRONG_HOST_PUBLIC, **fail}, req_id, time_in)
            return
        if channel in PUBLIC_CHANNELS and channel != "heartbeat" and self.private:
            await self.reply({"error": WRONG_HOST_PRIVATE, **fail}, req_id, time_in)
            return
        if channel in PRIVATE_CHANNELS:
            await self.priv.subscription(method, channel, params, req_id, time_in)
            return
        if channel not in PUBLIC_CHANNELS:
            await self.reply({"error": f"Channel {channel} not found", **fail}, req_id, time_in)
            return
        symbols = params.get("symbol")
        cost = len(symbols) if isinstance(symbols, list) and symbols else 1
        if not self.sub_bucket.take(cost):
            self.sb.ws_limits.subscribe_refused += 1
            await self.reply({"error": EXCEEDED, **fail}, req_id, time_in)
            return
        self.sb.ws_limits.subscribed += cost
        if channel in ("heartbeat", "instrument", "status"):
            await self.pub.simple(method, channel, params, req_id, time_in)
            return
        if not isinstance(symbols, list) or not symbols:
            await self.reply({"error": "Field symbol is required", **fail}, req_id, time_in)
            return
        for symbol in symbols:
            await self.pub.one_symbol(method, channel, str(symbol), params, req_id, time_in)

    # -- events -----------------------------------------------------------------------------
    async def pump(self) -> None:
        """Turn hub events into messages for this connection's subscriptions."""
        while self.alive:
            kind, key, payload = await self.events.get()
            async with self.lock:
                if kind == "trades":
                    await self.pub.on_trades(key, payload)  # type: ignore[arg-type]
                elif kind == "book":
                    await self.pub.on_book(key)
                elif kind == "status":
                    await self.send(status_frame(self.sb), data=False)
                else:
                    await self.priv.on_event(kind, payload)

    async def heartbeat(self) -> None:
        """Send heartbeats once subscribed; close idle connections."""
        loop = asyncio.get_running_loop()
        while self.alive:
            await asyncio.sleep(1.0)
            idle = loop.time() - self.last_client > self.sb.options.idle_timeout
            # a private subscription keeps an authenticated connection open (PROTOCOL §4.3)
            if idle and not self.priv.channels:
                self.alive = False
                with contextlib.suppress(Exception):  # the client may already be gone
                    await self._send(
                        {"type": "websocket.close", "code": 1000, "reason": "idle timeout"}
                    )
                return
            if self.subs:
                await self.send({"channel": "heartbeat"}, data=False)


def status_frame(sb: Sandbox) -> dict[str, object]:
    """Build the ``status`` message sent on connect and on engine status changes."""
    return {
        "channel": "status",
        "type": "update",
        "data": [
            {
                "version": "2.0.10",
                "system": sb.faults.system_status,
                "api_version": "v2",
                "connection_id": 18125794168470749634 - sb.options.seed,
                "upcoming_maintenance": [],
                "emergency": [],
            }
        ],
    }


async def serve_ws(sb: Sandbox, scope: Scope, receive: Receive, send: Send) -> None:
    """Run one WebSocket connection to completion."""
    path = scope.get("path", "")
    if path not in ("/v2", "/auth/v2"):
        await receive()
        await send({"type": "websocket.close", "code": 1008})
        return
    first = await receive()
    if first.get("type") != "websocket.connect":
        return
    if not sb.ws_limits.admit():  # Cloudflare refuses the upgrade past its per-IP window
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "websocket.accept"})
    conn = Connection(sb, send, private=path == "/auth/v2")
    await conn.send(status_frame(sb), data=False)
    sb.subscribers.add(conn)
    tasks = [asyncio.create_task(conn.pump()), asyncio.create_task(conn.heartbeat())]
    try:
        while conn.alive:
            try:
                message = await asyncio.wait_for(receive(), timeout=1.0)
            except TimeoutError:
                continue
            if message["type"] == "websocket.disconnect":
                break
            conn.last_client = asyncio.get_running_loop().time()
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", errors="replace")
            if text is not None:
                try:
                    await conn.handle(text)
                except Exception:  # a sandbox bug must not kill the connection silently
                    logging.getLogger("kraken_cli.sandbox").exception("WS request failed")
                    await conn.reply(
                        {"error": "EGeneral:Internal error", "method": "", "success": False},
                        None,
                        conn.stamp(),
                    )
    finally:
        conn.alive = False
        sb.subscribers.discard(conn)
        for task in tasks:
            task.cancel()
