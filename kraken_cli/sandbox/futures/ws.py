"""The futures WebSocket emulator (``/ws/v1``): info, subscribe, challenge, trade/ticker/book.

Frames follow the live samples (``futures-ws-public.json``): ``trade_snapshot`` newest first,
``book_snapshot`` then ``book`` deltas with a growing ``seq`` (``book_gap_every`` skips one to
exercise gap detection), ``ticker`` rows, epoch-millisecond times. Trades are the market's tape
(the same trades REST ``history`` serves), each sent once its time has come; ``drop_every``
(the sandbox's faults) cuts a connection, no close frame, after every N data messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kraken_cli.protocol.signing import futures_ws_challenge
from kraken_cli.sandbox.futures.market import BY_SYMBOL, Trade, dumps, quantize
from kraken_cli.sandbox.futures.state import FuturesState, ws_ticker

if TYPE_CHECKING:
    from starlette.websockets import WebSocket


PUBLIC_FEEDS = ("trade", "ticker", "book", "heartbeat", "ticker_lite")
PRIVATE_FEEDS = ("fills", "open_positions", "open_orders", "balances")


class _Session:
    def __init__(self, state: FuturesState, ws: WebSocket) -> None:
        self.state, self.ws = state, ws
        self.subs: set[tuple[str, str]] = set()
        self.challenges: set[str] = set()
        self.book_seq: dict[str, int] = {}
        #: the minute each book snapshot was taken at (the book is re-centred every minute)
        self.book_minute: dict[str, int] = {}
        #: per product, the last millisecond whose trades were sent
        self.trades_sent: dict[str, int] = {}
        self.deltas = 0
        self.data_sent = 0
        self.lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            await self.ws.send_text(dumps(payload))
        faults = self.state.faults
        if "feed" in payload and faults is not None:
            self.data_sent += 1
            if faults.should_drop(self.data_sent):
                _abort(self.ws)

    async def handle(self, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            await self.send({"event": "alert", "message": "Json Error"})
            return
        event = msg.get("event")
        if event == "challenge":
            if msg.get("api_key") != self.state.api_key:
                await self.send({"event": "alert", "message": "Invalid API key"})
                return
            challenge = str(uuid.uuid4())
            self.challenges.add(challenge)
            await self.send({"event": "challenge", "message": challenge})
            return
        if event not in ("subscribe", "unsubscribe"):
            await self.send({"event": "alert", "message": "Unknown event"})
            return
        feed = str(msg.get("feed", ""))
        if feed in PRIVATE_FEEDS:
            await self._private(event, feed, msg)
            return
        products = [str(p).upper() for p in msg.get("product_ids") or []]
        if feed not in PUBLIC_FEEDS or (feed != "heartbeat" and not products):
            await self.send({"event": "alert", "message": "Couldn't subscribe to invalid feed"})
            return
        if any(p not in BY_SYMBOL for p in products):
            await self.send({"event": "alert", "message": "Invalid product id"})
            return
        ack: dict[str, Any] = {"event": f"{event}d", "feed": feed}
        if products:
            ack["product_ids"] = products
        await self.send(ack)
        for product in products or [""]:
            if event == "unsubscribe":
                self.subs.discard((feed, product))
                continue
            self.subs.add((feed, product))
            await self._snapshot(feed, product)

    async def _private(self, event: str, feed: str, msg: dict[str, Any]) -> None:
        challenge = str(msg.get("original_challenge", ""))
        signed = msg.get("signed_challenge")
        valid = (
            msg.get("api_key") == self.state.api_key
            and challenge in self.challenges
            and signed == futures_ws_challenge(self.state.api_secret, challenge)
        )
        if not valid:
            await self.send(
                {"event": "alert", "message": "Failed to subscribe to authenticated feed"}
            )
            return
        await self.send({"event": f"{event}d", "feed": feed})
        account = self.state.account
        if feed == "open_orders" and event == "subscribe":
            await self.send({"feed": "open_orders_snapshot", "orders": account.open_orders_wire()})
        if feed == "fills" and event == "subscribe":
            await self.send({"feed": "fills_snapshot", "fills": account.fills_wire(None)})

    async def _snapshot(self, feed: str, product: str) -> None:
        now = self.state.clock_ms()
        market = self.state.market
        if feed == "trade":
            c = BY_SYMBOL[product]
            tape = market.trades_before(c, now, 20)
            self.trades_sent[product] = now - 1
            trades = [self._trade_frame(product, t) for t in tape]
            await self.send({"feed": "trade_snapshot", "product_id": product, "trades": trades})
        elif feed == "book":
            c = BY_SYMBOL[product]
            book = market.book(c, now, 25)
            seq = self.book_seq[product] + 1 if product in self.book_seq else 1000
            self.book_seq[product] = seq
            self.book_minute[product] = now // 60_000
            await self.send(
                {
                    "feed": "book_snapshot",
                    "product_id": product,
                    "timestamp": now,
                    "seq": seq,
                    "tickSize": None,
                    "bids": [{"price": p, "qty": q} for p, q in book["bids"]],
                    "asks": [{"price": p, "qty": q} for p, q in book["asks"]],
                }
            )
        elif feed in ("ticker", "ticker_lite"):
            await self.send(ws_ticker(self.state, BY_SYMBOL[product], now))

    def _trade_frame(self, product: str, t: Trade) -> dict[str, Any]:
        return {
            "product_id": product,
            "feed": "trade",
            "uid": t.uid,
            "side": t.side,
            "type": "fill",
            "time": t.time_ms,
            "qty": t.size,
            "price": t.price,
            "seq": t.seq,
        }

    async def tick(self, n: int) -> None:
        now = self.state.clock_ms()
        for feed, product in sorted(self.subs):
            if feed == "heartbeat":
                if n % 10 == 0:
                    await self.send({"feed": "heartbeat", "time": now})
                continue
            c = BY_SYMBOL[product]
            price = self.state.market.price_at(c, now // 60_000)
            if feed == "book" and self.book_minute.get(product) != now // 60_000:
                # the price moved to a new minute: a fresh snapshot, so the book never crosses
                await self._snapshot("book", product)
            elif feed == "book":
                seq = self.book_seq[product] + 1
                self.deltas += 1
                gap = self.state.book_gap_every
                if gap and self.deltas % gap == 0:
                    seq += 1  # fault: a delta went missing
                self.book_seq[product] = seq
                side = "buy" if n % 2 else "sell"
                level = price + (-1 if side == "buy" else 1) * c.tick * (1 + n % 5)
                qty = (
                    Decimal(0)
                    if n % 7 == 0
                    else quantize(Decimal(n % 13 + 1) / 10, Decimal("0.0001"))
                )
                await self.send(
                    {
                        "feed": "book",
                        "product_id": product,
                        "side": side,
                        "seq": seq,
                        "price": level,
                        "qty": qty,
                        "timestamp": now,
                    }
                )
            elif feed == "trade":
                after = self.trades_sent.get(product, now - 1)
                self.trades_sent[product] = now
                for t in self.state.market.trades_between(c, after, now):
                    await self.send(self._trade_frame(product, t))
            elif n % 5 == 0:
                await self.send(ws_ticker(self.state, BY_SYMBOL[product], now))


#: Scope key of the server's own ASGI ``send`` (set by the sandbox app; Starlette wraps it).
RAW_SEND = "krx.sandbox.raw_send"


def _abort(ws: WebSocket) -> None:
    """Cut the TCP connection without a close frame (the ``drop_every`` fault)."""
    send = ws.scope.get(RAW_SEND)
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()


async def serve_futures_ws(state: FuturesState, ws: WebSocket) -> None:
    """Serve one futures WS connection until the client leaves."""
    from starlette.websockets import WebSocketDisconnect

    await ws.accept()
    session = _Session(state, ws)
    await session.send({"event": "info", "version": 1})

    async def publish() -> None:
        n = 0
        while True:
            await asyncio.sleep(state.ws_interval)
            n += 1
            await session.tick(n)

    task = asyncio.create_task(publish())
    try:
        while True:
            await session.handle(await ws.receive_text())
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
