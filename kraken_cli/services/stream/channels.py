"""Per-channel state of a stream: candle reconciliation, verified books, private sequences.

Trades (continuity and REST backfill) live in ``trades.py``.

Each handler gets the parsed messages of its channel and writes records through the stream's
context; the stream calls ``after_reconnect`` once the subscriptions are re-sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kraken_cli.client.book import Book
from kraken_cli.errors import IntegrityError, KrxError
from kraken_cli.services.stream.records import (
    OrderMemory,
    StreamRequest,
    balance_record,
    fix,
    iso_to_ns,
    ohlc_from_rest,
    ohlc_record,
    private_record,
    ticker_record,
)

#: ``fetch_trades(rest_pair, since) -> (rows, last)``: one page of REST Trades.
FetchTrades = Callable[[str, str | None], tuple[list[list[Any]], str | None]]
#: ``fetch_ohlc(rest_pair, interval, since) -> rows``: REST OHLC rows (last one still forming).
FetchOhlc = Callable[[str, int, int | None], list[list[Any]]]

Record = dict[str, Any]


class Context(Protocol):
    """What a channel handler may do: write records and events, resubscribe, wait."""

    def emit(self, record: Record) -> None: ...

    def event(self, name: str, **fields: Any) -> None: ...

    def resubscribe(self, request: StreamRequest, symbol: str) -> None: ...

    def sleep(self, seconds: float) -> None: ...


class Handler:
    """Base: a channel handler that keeps no state across reconnects."""

    def __init__(self, ctx: Context, request: StreamRequest) -> None:
        self.ctx = ctx
        self.request = request

    def on_message(self, msg: dict[str, Any]) -> None:
        """Handle one data message of this channel."""
        raise NotImplementedError

    def on_ack(self, msg: dict[str, Any]) -> None:
        """Note a successful subscribe ack."""

    def after_reconnect(self) -> None:
        """Restore continuity after the subscriptions were sent again."""

    def close(self) -> None:
        """Release what the handler started (the stream has ended)."""


# -- candles ----------------------------------------------------------------------------------
class OhlcHandler(Handler):
    """Write candles; after a reconnect, reconcile missed candles from REST OHLC."""

    def __init__(
        self,
        ctx: Context,
        request: StreamRequest,
        fetch: FetchOhlc | None,
        *,
        tail: int | None = None,
    ) -> None:
        super().__init__(ctx, request)
        self.fetch = fetch
        self.pairs = {p.symbol: p for p in request.pairs}
        #: symbol -> open time (unix s) of the last candle written
        self.last: dict[str, int] = {}
        #: Keep only the latest candles of a snapshot, ``tail`` shared by the symbols
        #: (``--count N``: the stream starts at the latest candles, not hours back).
        self.tail = None if tail is None else max(1, -(-tail // max(1, len(self.pairs))))

    def on_message(self, msg: dict[str, Any]) -> None:
        interval = self.request.interval
        rows = [
            c
            for c in msg["data"]
            if c["symbol"] in self.pairs and c.get("interval", interval) == interval
        ]
        if self.tail is not None and msg.get("type") == "snapshot":
            rows = _latest_per_symbol(rows, self.tail)
        for c in rows:
            sym = c["symbol"]
            rec = ohlc_record(c)
            self.last[sym] = iso_to_ns(c["interval_begin"]) // 1_000_000_000
            self.ctx.emit(rec)

    def after_reconnect(self) -> None:
        if self.fetch is None:
            return
        interval = self.request.interval or 1
        for sym, since in list(self.last.items()):
            pair = self.pairs[sym]
            try:
                rows = self.fetch(pair.rest_pair, interval, since - interval * 60)
            except KrxError as exc:
                self.ctx.event("backfill_error", channel="ohlc", symbol=sym, error=str(exc))
                continue
            # the last row is the forming candle: the new WS snapshot carries it
            committed = [r for r in rows[:-1] if int(r[0]) >= since]
            if committed:
                self.ctx.event("backfill", channel="ohlc", symbol=sym, count=len(committed))
            for row in committed:
                self.ctx.emit(ohlc_from_rest(sym, interval, row))
                self.last[sym] = int(row[0])


def _latest_per_symbol(rows: list[dict[str, Any]], keep: int) -> list[dict[str, Any]]:
    """Return the last ``keep`` candles of each symbol, in their original order."""
    seen: dict[str, int] = {}
    kept: list[dict[str, Any]] = []
    for c in sorted(rows, key=lambda c: iso_to_ns(c["interval_begin"]), reverse=True):
        if seen.get(c["symbol"], 0) < keep:
            seen[c["symbol"]] = seen.get(c["symbol"], 0) + 1
            kept.append(c)
    return kept[::-1]


# -- book -------------------------------------------------------------------------------------
@dataclass
class _BookState:
    book: Book
    synced: bool = False
    #: resyncs since the last verified message
    failures: int = 0
    dropped: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class BookHandler(Handler):
    """Keep verified books; on a bad checksum or crossed book resync that symbol only."""

    def __init__(
        self,
        ctx: Context,
        request: StreamRequest,
        *,
        levels: int | None = None,
        updates: bool = False,
        max_failures: int = 5,
    ) -> None:
        super().__init__(ctx, request)
        self.levels = levels
        self.updates = updates
        self.max_failures = max_failures
        self.states = {
            p.symbol: _BookState(Book(p.symbol, request.depth, p.price_decimals, p.qty_decimals))
            for p in request.pairs
        }
        if updates:
            for st in self.states.values():
                st.book.truncated = []

    def on_message(self, msg: dict[str, Any]) -> None:
        snapshot = msg.get("type") == "snapshot"
        for d in msg["data"]:
            st = self.states.get(d["symbol"])
            if st is None:
                continue
            book = st.book
            if snapshot:
                book.apply_snapshot(d["asks"], d["bids"])
                st.synced = True
            elif not st.synced:
                st.dropped += 1
                continue
            else:
                book.apply_update(d["asks"], d["bids"])
            checksum = book.checksum()
            if checksum != d["checksum"]:
                self._resync(st, f"checksum mismatch (got {d['checksum']}, book {checksum})")
                continue
            if book.crossed():
                self._resync(st, "crossed book (best bid >= best ask)")
                continue
            st.failures = 0
            self.ctx.emit(self._record(book, d, snapshot))

    def _record(self, book: Book, d: dict[str, Any], snapshot: bool) -> Record:
        rec: Record = {
            "channel": "book",
            "symbol": book.symbol,
            "type": "snapshot" if snapshot else "update",
            "time": d.get("timestamp"),
        }
        if self.updates and not snapshot:
            pdec, qdec = book.price_decimals, book.qty_decimals
            bids = [[fix(lv["price"], pdec), fix(lv["qty"], qdec)] for lv in d["bids"]]
            asks = [[fix(lv["price"], pdec), fix(lv["qty"], qdec)] for lv in d["asks"]]
            truncated = book.truncated or []
            if truncated:
                zero = fix("0", qdec)
                for side, price in truncated:
                    (bids if side == "bid" else asks).append([price, zero])
                truncated.clear()
            rec["bids"], rec["asks"] = bids, asks
        else:
            if book.truncated:
                book.truncated.clear()
            rec["bids"], rec["asks"] = book.snapshot(self.levels)
        rec["checksum"] = d["checksum"]
        return rec

    def _resync(self, st: _BookState, reason: str) -> None:
        st.synced = False
        st.failures += 1
        sym = st.book.symbol
        self.ctx.event("resync", channel="book", symbol=sym, reason=reason, attempt=st.failures)
        if st.failures > self.max_failures:
            raise IntegrityError(
                f"book of {sym} failed verification {st.failures} times in a row: {reason}",
                hint="the local book could not be made consistent with Kraken's",
            )
        self.ctx.resubscribe(self.request, sym)

    def after_reconnect(self) -> None:
        for st in self.states.values():
            st.synced = False  # rebuild only from the new snapshot, never merge pre-gap deltas


# -- simple channels --------------------------------------------------------------------------
class TickerHandler(Handler):
    """Write ticker records."""

    def on_message(self, msg: dict[str, Any]) -> None:
        for t in msg["data"]:
            self.ctx.emit(ticker_record(t))


class InstrumentHandler(Handler):
    """Write one record per pair and per asset of the instrument channel."""

    def on_message(self, msg: dict[str, Any]) -> None:
        data = msg.get("data") or {}
        for a in data.get("assets", []):
            self.ctx.emit(private_record("instrument", {"kind": "asset", **a}, None))
        for p in data.get("pairs", []):
            self.ctx.emit(private_record("instrument", {"kind": "pair", **p}, None))


class PrivateHandler(Handler):
    """Write executions / balances items; report a jump in the message ``sequence``.

    A short executions update (``new``, ``canceled``) carries only the order_id: the order's
    fields (symbol, side, ...) come from what this stream saw of the order before.
    """

    def __init__(self, ctx: Context, request: StreamRequest) -> None:
        super().__init__(ctx, request)
        self.sequence: int | None = None
        self.orders = OrderMemory()

    def on_message(self, msg: dict[str, Any]) -> None:
        seq = msg.get("sequence")
        if isinstance(seq, int):
            if self.sequence is not None and seq > self.sequence + 1:
                self.ctx.event("gap", channel=self.request.channel, after=self.sequence, next=seq)
            self.sequence = seq
        channel = self.request.channel
        for item in msg.get("data") or []:
            if channel == "balances":
                self.ctx.emit(balance_record(item, seq))
            elif channel == "executions":
                self.ctx.emit(private_record(channel, self.orders.complete(item), seq))
            else:
                self.ctx.emit(private_record(channel, item, seq))

    def after_reconnect(self) -> None:
        self.sequence = None  # a new session restarts the sequence with a fresh snapshot
