"""Per-channel state of a stream: trade continuity, candle reconciliation, verified books.

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
    StreamPair,
    StreamRequest,
    balance_record,
    fix,
    iso_to_ns,
    ohlc_from_rest,
    ohlc_record,
    private_record,
    ticker_record,
    trade_from_rest,
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


# -- trades -----------------------------------------------------------------------------------
@dataclass
class _TradeState:
    pair: StreamPair
    last_id: int | None = None
    #: RFC3339 time of the last trade written (or of the subscription, before any trade).
    last_time: str | None = None
    #: ``len(text) - text.find(".")`` of a price / volume already at the pair's precision
    #: (-1 with no decimals: never matches, those go through ``fix``).
    price_dot: int = 0
    qty_dot: int = 0

    def __post_init__(self) -> None:
        self.price_dot = self.pair.price_decimals + 1 if self.pair.price_decimals > 0 else -1
        self.qty_dot = self.pair.qty_decimals + 1 if self.pair.qty_decimals > 0 else -1


class TradeHandler(Handler):
    """Write trades without gap or duplicate: trade_id is a per-pair sequence."""

    def __init__(
        self,
        ctx: Context,
        request: StreamRequest,
        fetch: FetchTrades | None,
        *,
        attempts: int = 4,
        retry_delay_s: float = 1.0,
        max_pages: int = 100,
        full_page: int = 1000,
    ) -> None:
        super().__init__(ctx, request)
        self.fetch = fetch
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s
        self.max_pages = max_pages
        #: REST Trades returns at most this many rows: a shorter page is the head of the tape
        self.full_page = full_page
        self.states = {p.symbol: _TradeState(p) for p in request.pairs}

    def on_ack(self, msg: dict[str, Any]) -> None:
        result = msg.get("result") or {}
        st = self.states.get(result.get("symbol", ""))
        if st is not None and st.last_time is None and isinstance(msg.get("time_out"), str):
            st.last_time = msg["time_out"]

    def on_message(self, msg: dict[str, Any]) -> None:
        # the hot path of `krx stream trades`: no Decimal, no helper call for wire numbers
        # that already carry the pair's precision (the usual case)
        states = self.states
        emit = self.ctx.emit
        for t in msg["data"]:
            sym = t["symbol"]
            st = states.get(sym)
            if st is None:
                continue
            tid = t["trade_id"]
            last = st.last_id
            if last is not None and tid != last + 1:
                if tid <= last:
                    continue  # already written (snapshot overlap or backfill)
                self.ctx.event("gap", channel="trade", symbol=sym, after=last, next=tid)
                self._backfill(st, upto=tid)
            price, qty = t["price"], t["qty"]
            # fix()'s own first test, inlined
            if not (
                price.__class__ is str
                and 0 < price.find(".") == len(price) - st.price_dot
                and "e" not in price
            ):
                price = fix(price, st.pair.price_decimals)
            if not (
                qty.__class__ is str
                and 0 < qty.find(".") == len(qty) - st.qty_dot
                and "e" not in qty
            ):
                qty = fix(qty, st.pair.qty_decimals)
            st.last_id = tid
            st.last_time = ts = t["timestamp"]
            emit(
                {
                    "channel": "trade",
                    "symbol": sym,
                    "trade_id": tid,
                    "time": ts,
                    "price": price,
                    "volume": qty,
                    "side": t["side"],
                    "ord_type": t["ord_type"],
                }
            )

    def after_reconnect(self) -> None:
        for st in self.states.values():
            if st.last_time is not None:
                self._backfill(st, upto=None)

    def _backfill(self, st: _TradeState, upto: int | None) -> None:
        """Write the trades after ``st.last_id`` (up to ``upto`` excluded) from REST Trades."""
        sym = st.pair.symbol
        if self.fetch is None or st.last_time is None:
            if upto is not None:
                raise IntegrityError(
                    f"trades of {sym} missing after trade_id {st.last_id}, no REST backfill",
                    hint="trades between the two ids were lost",
                )
            return
        first = st.last_id
        written = 0
        try:
            written = self._pages(st, upto)
        finally:
            if written:
                self.ctx.event(
                    "backfill",
                    channel="trade",
                    symbol=sym,
                    count=written,
                    from_trade_id=None if first is None else first + 1,
                    to_trade_id=st.last_id,
                )
        if upto is not None and (st.last_id is None or st.last_id < upto - 1):
            raise IntegrityError(
                f"trades of {sym} after trade_id {st.last_id} are missing and REST did not "
                f"return them (next live trade_id {upto})",
                hint="the output has a gap; restart the stream",
            )

    def _pages(self, st: _TradeState, upto: int | None) -> int:
        """Page REST Trades from the last trade written; return how many trades were written."""
        sym = st.pair.symbol
        fetch = self.fetch
        assert fetch is not None and st.last_time is not None  # checked by _backfill
        written = 0
        for attempt in range(self.attempts):
            # 1 ms before the last trade: REST's time is coarser; duplicates are dropped by id
            cursor: str | None = str(iso_to_ns(st.last_time) - 1_000_000)
            for _page in range(self.max_pages):
                try:
                    rows, last = fetch(st.pair.rest_pair, cursor)
                except KrxError as exc:
                    self.ctx.event("backfill_error", channel="trade", symbol=sym, error=str(exc))
                    break
                hole = False
                for row in rows:
                    tid = int(row[6])
                    if (st.last_id is not None and tid <= st.last_id) or (
                        upto is not None and tid >= upto
                    ):
                        continue
                    if st.last_id is not None and tid != st.last_id + 1:
                        hole = True  # REST lacks ids too: never write out of sequence
                        break
                    rec = trade_from_rest(sym, row, st.pair)
                    st.last_id = tid
                    st.last_time = rec["time"]
                    self.ctx.emit(rec)
                    written += 1
                if hole or not rows or last is None or last == cursor:
                    break
                if upto is None and len(rows) < self.full_page:
                    break  # caught up with REST's head: the live feed carries on from here
                if upto is not None and st.last_id is not None and st.last_id >= upto - 1:
                    break
                cursor = last
            if upto is None or (st.last_id is not None and st.last_id >= upto - 1):
                break
            if attempt + 1 < self.attempts:
                self.ctx.sleep(self.retry_delay_s)
        return written


# -- candles ----------------------------------------------------------------------------------
class OhlcHandler(Handler):
    """Write candles; after a reconnect, reconcile missed candles from REST OHLC."""

    def __init__(self, ctx: Context, request: StreamRequest, fetch: FetchOhlc | None) -> None:
        super().__init__(ctx, request)
        self.fetch = fetch
        self.pairs = {p.symbol: p for p in request.pairs}
        #: symbol -> open time (unix s) of the last candle written
        self.last: dict[str, int] = {}

    def on_message(self, msg: dict[str, Any]) -> None:
        interval = self.request.interval
        for c in msg["data"]:
            sym = c["symbol"]
            if sym not in self.pairs or c.get("interval", interval) != interval:
                continue
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
