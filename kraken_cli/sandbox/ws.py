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
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kraken_cli.sandbox.book import BookView, level_json
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.ohlc import INTERVALS, Candle, ohlc
from kraken_cli.sandbox.tape import Trade
from kraken_cli.sandbox.wire import NS, dumps, rfc3339_ns, rfc3339_us
from kraken_cli.sandbox.ws_private import PrivateChannels
from kraken_cli.sandbox.ws_render import ohlc_json, ticker_json, trade_json

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PUBLIC_CHANNELS = ("ticker", "book", "trade", "ohlc", "instrument", "heartbeat", "status")
PRIVATE_CHANNELS = ("executions", "balances", "level3")
DEPTHS = (10, 25, 100, 500, 1000)
WRONG_HOST_PUBLIC = (
    "Private data and trading are unavailable on this endpoint. Try ws-auth.kraken.com"
)
WRONG_HOST_PRIVATE = (
    "Public market data subscriptions are unavailable on this endpoint. Try ws.kraken.com"
)


class Connection:
    """One WS client: its subscriptions, book views and fault counters."""

    def __init__(self, sb: Sandbox, send: Send, private: bool) -> None:
        self.sb = sb
        self._send = send
        self.private = private
        self.subs: dict[tuple[str, str], dict[str, object]] = {}
        self.views: dict[str, BookView] = {}
        self.candles: dict[tuple[str, int], Candle] = {}
        self.events: asyncio.Queue[tuple[str, str, object]] = asyncio.Queue()
        self.lock = asyncio.Lock()
        self.sent = 0
        self.data_sent = 0
        self.book_sent = 0
        self.alive = True
        self.last_client = asyncio.get_running_loop().time()
        self.priv = PrivateChannels(self)

    # -- output -----------------------------------------------------------------------------
    def on_event(self, kind: str, key: str, payload: object) -> None:
        """Queue a hub event (called synchronously by the hub)."""
        if self.alive:
            self.events.put_nowait((kind, key, payload))

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
            msg = json.loads(text)
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
        if channel in ("heartbeat", "instrument", "status"):
            await self.simple(method, channel, params, req_id, time_in)
            return
        symbols = params.get("symbol")
        if not isinstance(symbols, list) or not symbols:
            await self.reply({"error": "Field symbol is required", **fail}, req_id, time_in)
            return
        for symbol in symbols:
            await self.one_symbol(method, channel, str(symbol), params, req_id, time_in)

    async def simple(
        self, method: str, channel: str, params: dict[str, Any], req_id: object, time_in: str
    ) -> None:
        """Subscribe to a channel without symbols (heartbeat, instrument)."""
        snapshot = bool(params.get("snapshot", True))
        result: dict[str, object] = {"channel": channel}
        if channel == "instrument":
            result["snapshot"] = snapshot
        if method == "unsubscribe":
            self.subs.pop((channel, ""), None)
            await self.reply({"method": method, "result": result, "success": True}, req_id, time_in)
            return
        self.subs[(channel, "")] = dict(params)
        await self.reply({"method": method, "result": result, "success": True}, req_id, time_in)
        if channel == "instrument" and snapshot:
            from kraken_cli.sandbox.market import instrument_data

            await self.send(
                {"channel": "instrument", "type": "snapshot", "data": instrument_data()}
            )

    async def one_symbol(
        self,
        method: str,
        channel: str,
        symbol: str,
        params: dict[str, Any],
        req_id: object,
        time_in: str,
    ) -> None:
        """Subscribe or unsubscribe one symbol of a market-data channel."""
        from kraken_cli.sandbox.market import ws_pair

        fail: dict[str, object] = {"method": method, "success": False, "symbol": symbol}
        pair = ws_pair(symbol)
        if pair is None:
            await self.reply(
                {"error": f"Currency pair not supported {symbol}", **fail}, req_id, time_in
            )
            return
        result: dict[str, object] = {"channel": channel}
        if channel == "book":
            depth = params.get("depth", 10)
            if depth not in DEPTHS:
                await self.reply({"error": f"Invalid depth {depth}", **fail}, req_id, time_in)
                return
            result["depth"] = depth
        if channel == "ohlc":
            interval = params.get("interval", 1)
            if interval not in INTERVALS:
                await self.reply({"error": f"Invalid interval {interval}", **fail}, req_id, time_in)
                return
            result["interval"] = interval
        if channel == "ticker":
            result["event_trigger"] = params.get("event_trigger", "trades")
        snapshot = bool(params.get("snapshot", channel != "trade"))
        if method == "subscribe":
            result["snapshot"] = snapshot
        result["symbol"] = symbol
        sub_key = (channel, symbol)
        if method == "unsubscribe":
            if self.subs.pop(sub_key, None) is None:
                await self.reply({"error": "Subscription Not Found", **fail}, req_id, time_in)
                return
            self.views.pop(symbol, None) if channel == "book" else None
            await self.reply({"method": method, "result": result, "success": True}, req_id, time_in)
            return
        if sub_key in self.subs:
            await self.reply({"error": "Already subscribed", **fail}, req_id, time_in)
            return
        async with self.lock:
            self.subs[sub_key] = dict(result)
            await self.reply({"method": method, "result": result, "success": True}, req_id, time_in)
            await self.snapshot(channel, pair.key, symbol, result, snapshot)

    async def snapshot(
        self, channel: str, key: str, symbol: str, sub: dict[str, object], wanted: bool
    ) -> None:
        """Send the snapshot of a fresh subscription (and set up its state)."""
        sb = self.sb
        pair, now = sb.tapes[key].pair, sb.now()
        if channel == "book":
            view = BookView(sb.books[key], int(str(sub["depth"])))
            asks, bids, checksum = view.snapshot()
            self.views[symbol] = view
            if wanted:
                await self.send_book("snapshot", symbol, asks, bids, checksum)
        elif channel == "trade" and wanted:
            data = [trade_json(pair, t) for t in sb.tapes[key].recent(50, now)]
            await self.send({"channel": "trade", "type": "snapshot", "data": data})
        elif channel == "ticker" and wanted:
            data = [ticker_json(pair, sb.books[key], sb.day_stats(key), now)]
            await self.send({"channel": "ticker", "type": "snapshot", "data": data})
        elif channel == "ohlc":
            interval = int(str(sub["interval"]))
            candles, _ = ohlc(sb.tapes[key], interval, None, now)
            self.candles[(symbol, interval)] = candles[-1]
            if wanted:
                await self.send(
                    {
                        "channel": "ohlc",
                        "type": "snapshot",
                        "timestamp": rfc3339_ns(sb.server_now()),
                        "data": [ohlc_json(pair, c, interval) for c in candles],
                    }
                )

    async def send_book(
        self,
        kind: str,
        symbol: str,
        asks: list[tuple[int, int]],
        bids: list[tuple[int, int]],
        checksum: int,
    ) -> None:
        """Send a book snapshot/update (the corrupt-checksum fault applies here)."""
        view = self.views[symbol]
        pair = view.book.pair
        self.book_sent += 1
        if self.sb.faults.corrupt(symbol, self.book_sent):
            checksum ^= 0x5A5A5A5A
        await self.send(
            {
                "channel": "book",
                "type": kind,
                "data": [
                    {
                        "symbol": symbol,
                        "bids": [level_json(pair, lv) for lv in bids],
                        "asks": [level_json(pair, lv) for lv in asks],
                        "checksum": checksum,
                        "timestamp": rfc3339_us(self.sb.server_now()),
                    }
                ],
            }
        )

    # -- events -----------------------------------------------------------------------------
    async def pump(self) -> None:
        """Turn hub events into messages for this connection's subscriptions."""
        while self.alive:
            kind, key, payload = await self.events.get()
            async with self.lock:
                if kind == "trades":
                    await self.on_trades(key, payload)  # type: ignore[arg-type]
                elif kind == "book":
                    await self.on_book(key)
                else:
                    await self.priv.on_event(kind, payload)

    async def on_trades(self, key: str, trades: list[Trade]) -> None:
        """Publish new tape trades to trade, ticker and ohlc subscriptions."""
        sb = self.sb
        pair = sb.tapes[key].pair
        symbol = pair.symbol
        if ("trade", symbol) in self.subs:
            await self.send(
                {
                    "channel": "trade",
                    "type": "update",
                    "data": [trade_json(pair, t) for t in trades],
                }
            )
        ticker = self.subs.get(("ticker", symbol))
        if ticker is not None and ticker.get("event_trigger", "trades") == "trades":
            data = [ticker_json(pair, sb.books[key], sb.day_stats(key), sb.now())]
            await self.send({"channel": "ticker", "type": "update", "data": data})
        for (sym, interval), candle in list(self.candles.items()):
            if sym != symbol:
                continue
            width = interval * 60 * NS
            for trade in trades:
                open_ns = trade.ns // width * width
                if open_ns != candle.open_ns:
                    candle = Candle(open_ns, trade.price, trade.price, trade.price, trade.price)
                candle.add(trade)
            self.candles[(sym, interval)] = candle
            await self.send(
                {
                    "channel": "ohlc",
                    "type": "update",
                    "timestamp": rfc3339_ns(sb.server_now()),
                    "data": [ohlc_json(pair, candle, interval)],
                }
            )

    async def on_book(self, key: str) -> None:
        """Publish book changes to the book subscription (and bbo tickers)."""
        pair = self.sb.books[key].pair
        view = self.views.get(pair.symbol)
        if view is not None:
            diff = view.diff()
            if diff is not None:
                asks, bids, checksum = diff
                await self.send_book("update", pair.symbol, asks, bids, checksum)
        ticker = self.subs.get(("ticker", pair.symbol))
        if ticker is not None and ticker.get("event_trigger") == "bbo":
            data = [ticker_json(pair, self.sb.books[key], self.sb.day_stats(key), self.sb.now())]
            await self.send({"channel": "ticker", "type": "update", "data": data})

    async def heartbeat(self) -> None:
        """Send heartbeats once subscribed; close idle connections."""
        loop = asyncio.get_running_loop()
        while self.alive:
            await asyncio.sleep(1.0)
            if loop.time() - self.last_client > self.sb.options.idle_timeout:
                self.alive = False
                with contextlib.suppress(Exception):  # the client may already be gone
                    await self._send(
                        {"type": "websocket.close", "code": 1000, "reason": "idle timeout"}
                    )
                return
            if self.subs:
                await self.send({"channel": "heartbeat"}, data=False)


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
    await send({"type": "websocket.accept"})
    conn = Connection(sb, send, private=path == "/auth/v2")
    status = {
        "channel": "status",
        "type": "update",
        "data": [
            {
                "version": "2.0.10",
                "system": "online",
                "api_version": "v2",
                "connection_id": 18125794168470749634 - sb.options.seed,
                "upcoming_maintenance": [],
                "emergency": [],
            }
        ],
    }
    await conn.send(status, data=False)
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
                await conn.handle(text)
    finally:
        conn.alive = False
        sb.subscribers.discard(conn)
        for task in tasks:
            task.cancel()
