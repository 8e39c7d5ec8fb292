"""Futures streams as SPEC stream records: ``trade``, ``ticker``, ``book`` lines.

Each record carries ``channel`` and ``symbol`` (the futures symbol) plus the record fields of
the matching REST command. A book ``seq`` gap triggers a resnapshot (unsubscribe + subscribe)
and a ``resync`` event; a dropped connection reconnects with backoff and a ``reconnect`` event.
Events go to ``on_event`` (the CLI prints them to stderr, or stdout with ``--events``), shaped
like the spot stream's. ``watchdog_s`` bounds the wait for any frame: a silent connection is
dropped and reconnected.

Trades are given exactly once across reconnects: each connect's first trades are checked against
the last trade given (or ``resume``, the archive's last) and a gap is filled from REST
``history`` (``fetch_history``), matched by ``uid`` (``futures_trades.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from kraken_cli.client.futures_ws import (
    BookGap,
    Connect,
    FuturesBook,
    FuturesWs,
    check_alert,
    default_connect,
)
from kraken_cli.client.ws import is_timeout
from kraken_cli.config.settings import Settings
from kraken_cli.errors import IntegrityError, NetworkError, UsageError
from kraken_cli.models.futures import iso_ms, normalize_symbol, num
from kraken_cli.services.stream.futures_trades import FetchHistory, TradeTape, marks_from

FEEDS = {"trades": "trade", "trade": "trade", "ticker": "ticker", "book": "book"}
MAX_RESYNCS = 20
MAX_RECONNECTS = 5

Event = Callable[[dict[str, Any]], None]


def stream(
    settings: Settings,
    channel: str,
    symbols: Sequence[str],
    *,
    depth: int = 10,
    count: int | None = None,
    on_event: Event | None = None,
    connect: Connect = default_connect,
    sleep: Callable[[float], None] = time.sleep,
    watchdog_s: float = 10.0,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    resume: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    fetch_history: FetchHistory | None = None,
    connect_gate: Callable[[], object] | None = None,
    updates: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield stream records of ``channel`` (trades|ticker|book) for futures ``symbols``.

    ``resume``: per symbol, the RFC3339 time of the last trade already held and the uids of
    the trades at that time; trades start after it, the gap filled by ``fetch_history``.

    ``deadline`` (``clock`` seconds, from --duration) ends the stream however silent the
    server: no read, reconnect or backoff outlasts it. Reaching it is a normal end once a
    connection was made; a stream that never connected fails with its network error.
    """
    feed = check_request(channel, symbols)
    products = [normalize_symbol(s) for s in symbols]
    emit = on_event or (lambda _e: None)
    # the read timeout is the watchdog (futures sends a heartbeat we subscribe to when idle)
    ws = FuturesWs(
        settings.endpoints.futures_ws_url,
        settings.futures,
        connect=connect,
        timeout=watchdog_s,
        clock=clock,
    )
    ws.deadline = deadline
    tape = TradeTape(marks_from(resume or {}), fetch_history, emit, sleep=sleep)
    sent = 0
    reconnects = 0
    connected = False

    def expired() -> bool:
        return deadline is not None and clock() >= deadline

    while True:
        try:
            if connect_gate is not None:
                connect_gate()
            books = _Books(ws, products, depth, emit, updates=updates)
            for record in _session(ws, feed, products, books, expired, tape):
                connected = True
                if record is _CONNECTED:
                    continue
                yield record
                sent += 1
                reconnects = 0
                if count is not None and sent >= count:
                    return
            return  # the deadline
        except NetworkError as exc:
            reconnects += 1
            if reconnects > MAX_RECONNECTS or (expired() and not connected):
                raise
            if expired():
                return
            delay = min(30.0, 0.5 * 2**reconnects)
            reason = exc.message
            if is_timeout(exc.__cause__):
                reason = f"no message for {watchdog_s:g}s (watchdog)"
            emit({"event": "reconnect", "attempt": reconnects, "delay_s": delay, "reason": reason})
            if deadline is not None and clock() + delay >= deadline:
                if not connected:
                    raise
                return
            sleep(delay)
        finally:
            ws.close()


def check_request(channel: str, symbols: Sequence[str]) -> str:
    """Return the feed (the records' ``channel``) of ``channel``; exit 2 for what futures lacks."""
    feed = FEEDS.get(channel)
    if feed is None:
        raise UsageError(
            f"futures streams serve trades, ticker and book, not {channel!r}",
            hint="krx stream trades|ticker|book SYMBOL --market futures",
        )
    if not symbols:
        raise UsageError("name at least one futures symbol", hint="e.g. PF_XBTUSD")
    return feed


#: Yielded by a session once its connection is open (not a record).
_CONNECTED: dict[str, Any] = {}


def _session(
    ws: FuturesWs,
    feed: str,
    products: list[str],
    books: _Books,
    expired: Callable[[], bool],
    tape: TradeTape,
) -> Iterator[dict[str, Any]]:
    ws.open()
    yield _CONNECTED
    tape.connected(products)
    ws.subscribe(feed, products)
    ws.subscribe("heartbeat")  # traffic even on a quiet feed, so the watchdog sees a live link
    while not expired():  # checked on every frame, heartbeats and acks included
        frame = ws.recv()
        if "event" in frame:  # info, subscribed, unsubscribed acks carry no data
            check_alert(frame)
            continue
        kind = frame.get("feed")
        if kind == "trade_snapshot":
            trades = [trade_record(raw) for raw in reversed(frame.get("trades", []))]
            product = str(frame.get("product_id", "")).upper()
            yield from tape.admit(product, trades, snapshot=True)
        elif kind == "trade":
            trade = trade_record(frame)
            yield from tape.admit(trade["symbol"], [trade])
        elif kind == "ticker":
            yield ticker_record(frame)
        elif kind in ("book_snapshot", "book"):
            record = books.on_frame(frame, snapshot=kind == "book_snapshot")
            if record is not None:
                yield record


class _Books:
    """The books of one session: seq-checked, resnapshotted (a ``resync`` event) on a gap."""

    def __init__(
        self, ws: FuturesWs, products: list[str], depth: int, emit: Event, *, updates: bool
    ) -> None:
        self.ws, self.depth, self.emit, self.updates = ws, depth, emit, updates
        self.books = {p: FuturesBook(p) for p in products}
        self.resyncs = 0

    def on_frame(self, frame: dict[str, Any], *, snapshot: bool) -> dict[str, Any] | None:
        """Apply a book frame; return the book record, or None while waiting for a snapshot."""
        book = self.books[str(frame["product_id"]).upper()]
        if snapshot:
            book.snapshot(frame)
        elif book.seq is None:
            return None  # waiting for the resnapshot
        else:
            try:
                book.apply(frame)
            except BookGap as gap:
                self._resync(book, gap)
                return None
        if self.updates:
            return _book_change(book, frame, snapshot=snapshot)
        return _book_record(book, self.depth, frame)

    def _resync(self, book: FuturesBook, gap: BookGap) -> None:
        self.resyncs += 1
        if self.resyncs > MAX_RESYNCS:
            raise IntegrityError(
                f"futures book kept skipping seq ({self.resyncs} resnapshots)",
                hint="the connection is losing messages; try again later",
            ) from gap
        self.emit(
            {
                "event": "resync",
                "channel": "book",
                "symbol": book.symbol,
                "reason": gap.message,
                "attempt": self.resyncs,
            }
        )
        self.ws.unsubscribe("book", [book.symbol])
        self.ws.subscribe("book", [book.symbol])


def trade_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Map a futures ``trade`` frame to a trade stream record (no ``trade_id``: a ``uid``)."""
    return {
        "channel": "trade",
        "symbol": str(raw.get("product_id", "")).upper(),
        "trade_id": None,
        "trade_uid": raw.get("uid"),
        "time": iso_ms(int(raw["time"])),
        "price": num(raw.get("price")),
        "volume": num(raw.get("qty")),
        "side": raw.get("side"),
        "ord_type": "market" if raw.get("type", "fill") == "fill" else raw.get("type"),
        "seq": raw.get("seq"),
    }


def ticker_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Map a futures ``ticker`` frame to a ticker stream record (+ mark/funding extras)."""
    return {
        "channel": "ticker",
        "symbol": str(raw.get("product_id", "")).upper(),
        "bid": num(raw.get("bid")),
        "ask": num(raw.get("ask")),
        "last": num(raw.get("last")),
        "volume_24h": num(raw.get("volume")),
        "vwap_24h": None,
        "low_24h": None,
        "high_24h": None,
        "mark_price": num(raw.get("markPrice")),
        "index_price": num(raw.get("index")),
        "funding_rate": num(raw.get("funding_rate")),
        "time": iso_ms(int(raw["time"])) if raw.get("time") is not None else None,
    }


def _book_record(book: FuturesBook, depth: int, frame: dict[str, Any]) -> dict[str, Any]:
    bids, asks = book.levels(depth)
    stamp = frame.get("timestamp")
    return {
        "channel": "book",
        "symbol": book.symbol,
        "time": iso_ms(int(stamp)) if stamp is not None else None,
        "bids": bids,
        "asks": asks,
        "checksum": None,
        "seq": book.seq,
    }


def _book_change(book: FuturesBook, frame: dict[str, Any], *, snapshot: bool) -> dict[str, Any]:
    """Return a snapshot (every level) or the one level a delta set (qty 0 deletes it)."""
    if snapshot:
        bids, asks = book.levels()
    else:
        level = [[str(frame["price"]), str(frame["qty"])]]
        bids, asks = (level, []) if frame.get("side") == "buy" else ([], level)
    stamp = frame.get("timestamp")
    return {
        "channel": "book",
        "symbol": book.symbol,
        "type": "snapshot" if snapshot else "update",
        "time": iso_ms(int(stamp)) if stamp is not None else None,
        "bids": bids,
        "asks": asks,
        "checksum": None,
        "seq": book.seq,
    }
