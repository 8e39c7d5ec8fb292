"""The trades channel of a stream: trade_id continuity, gaps filled from REST Trades.

Two ways to fill a gap: inline (``krx stream``: the loop waits for REST, a symbol or two), or
with a pager (``krx archive``: REST pages come while the socket keeps being read, see
``backfill.py``); then a symbol's live trades wait in a bounded buffer until its backfill meets
them, and a buffer that overflows is dropped, the backfill extended over its trades.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kraken_cli.errors import IntegrityError, KrxError
from kraken_cli.services.stream.backfill import Pager, PageRequest, PageResult
from kraken_cli.services.stream.channels import Context, FetchTrades, Handler
from kraken_cli.services.stream.records import (
    StreamPair,
    StreamRequest,
    fix,
    iso_to_ns,
    rest_text_pair,
    trade_from_rest,
)


@dataclass
class _Fill:
    """A symbol's backfill in progress (pager mode)."""

    #: trade_id written before it started (the ``backfill`` event's range)
    first: int | None
    written: int = 0
    #: pages that failed or left live trades unreached (REST lagging); ``attempts`` at most
    misses: int = 0


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
    #: The backfill under way (pager mode) and the live trades waiting for it.
    fill: _Fill | None = None
    held: list[dict[str, Any]] = field(default_factory=list)

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
        resume: Mapping[str, tuple[int, str]] | None = None,
        pager: Pager | None = None,
        hold_max: int = 2000,
    ) -> None:
        super().__init__(ctx, request)
        self.fetch = fetch
        #: REST pages while the socket is read (None: inline backfill)
        self.pager = pager if fetch is not None else None
        #: live trades held per symbol while its backfill runs (the memory bound)
        self.hold_max = hold_max
        #: symbols whose backfill is under way (the stream polls the pager while any is)
        self.filling = 0
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s
        self.max_pages = max_pages
        #: REST Trades returns at most this many rows: a shorter page is the head of the tape
        self.full_page = full_page
        self.states = {p.symbol: _TradeState(rest_text_pair(p)) for p in request.pairs}
        for symbol, (last_id, last_time) in (resume or {}).items():
            if symbol in self.states:  # the first live trade then backfills the gap from REST
                self.states[symbol].last_id, self.states[symbol].last_time = last_id, last_time

    def on_ack(self, msg: dict[str, Any]) -> None:
        result = msg.get("result") or {}
        st = self.states.get(result.get("symbol", ""))
        if st is not None and st.last_time is None and isinstance(msg.get("time_out"), str):
            st.last_time = msg["time_out"]

    def on_message(self, msg: dict[str, Any]) -> None:
        self._take(msg["data"])

    def _take(self, trades: list[dict[str, Any]]) -> None:
        # the hot path of `krx stream trades`: no Decimal, no helper call for wire numbers
        # that already carry the pair's precision (the usual case)
        states = self.states
        emit = self.ctx.emit
        for t in trades:
            sym = t["symbol"]
            st = states.get(sym)
            if st is None:
                continue
            if st.fill is not None:
                self._hold(st, t)
                continue
            tid = t["trade_id"]
            last = st.last_id
            if last is not None and tid != last + 1:
                if tid <= last:
                    continue  # already written (snapshot overlap or backfill)
                self.ctx.event("gap", channel="trade", symbol=sym, after=last, next=tid)
                if self.pager is not None:
                    self._start_fill(st)
                    self._hold(st, t)
                    continue
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
            # records.trade_record() inlined: the call costs ~2% of this loop's CPU per trade;
            # a test pins that both build the same record
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
            if st.last_time is None or st.fill is not None:
                continue
            if self.pager is not None:
                self._start_fill(st)
            else:
                self._backfill(st, upto=None)

    def close(self) -> None:
        if self.pager is not None:
            self.pager.close()
        for st in self.states.values():
            st.fill, st.held = None, []
        self.filling = 0

    # -- pager mode: backfill while the socket is read ----------------------------------------
    def poll(self) -> None:
        """Write the REST pages that arrived; ask for the next ones (pager mode)."""
        if self.pager is None:
            return
        for result in self.pager.collect():
            st = self.states.get(result.request.symbol)
            if st is not None and st.fill is not None:
                self._on_page(st, result)

    def _start_fill(self, st: _TradeState) -> None:
        st.fill = _Fill(first=st.last_id)
        self.filling += 1
        self._request(st, None)

    def _request(self, st: _TradeState, cursor: str | None, delay_s: float = 0.0) -> None:
        assert self.pager is not None and st.last_time is not None
        if cursor is None:  # 1 ms before the last trade: REST's time is coarser
            cursor = str(iso_to_ns(st.last_time) - 1_000_000)
        self.pager.submit(PageRequest(st.pair.symbol, st.pair.rest_pair, cursor, delay_s))

    def _hold(self, st: _TradeState, trade: dict[str, Any]) -> None:
        held = st.held
        if len(held) >= self.hold_max:
            # memory stays bounded: drop them, REST brings them instead (the fill goes on)
            self.ctx.event(
                "backfill_overflow", channel="trade", symbol=st.pair.symbol, dropped=len(held)
            )
            held.clear()
        held.append(trade)

    def _on_page(self, st: _TradeState, result: PageResult) -> None:
        fill = st.fill
        assert fill is not None
        sym = st.pair.symbol
        upto = st.held[0]["trade_id"] if st.held else None
        if result.error is not None:
            self.ctx.event("backfill_error", channel="trade", symbol=sym, error=str(result.error))
            self._retry(st, fill, upto)
            return
        hole = False
        for row in result.rows:
            tid = int(row[6])
            if (st.last_id is not None and tid <= st.last_id) or (upto is not None and tid >= upto):
                continue
            if st.last_id is not None and tid != st.last_id + 1:
                hole = True  # REST lacks ids too: never write out of sequence
                break
            rec = trade_from_rest(sym, row, st.pair)
            st.last_id, st.last_time = tid, rec["time"]
            self.ctx.emit(rec)
            fill.written += 1
        if upto is not None and st.last_id is not None and st.last_id >= upto - 1:
            self._finish(st, fill)
            return
        rows, last = result.rows, result.last
        # a short page is REST's head, unless live trades wait: then page on to them
        full = upto is not None or len(rows) >= self.full_page
        if not hole and rows and full and last is not None and last != result.request.cursor:
            self._request(st, last)
            return
        if upto is None:
            self._finish(st, fill)  # caught up with REST's head, nothing live waiting
            return
        self._retry(st, fill, upto)

    def _retry(self, st: _TradeState, fill: _Fill, upto: int | None) -> None:
        fill.misses += 1
        if fill.misses < self.attempts:
            self._request(st, None, self.retry_delay_s)
            return
        if upto is None:
            self._finish(st, fill)
            return
        raise IntegrityError(
            f"trades of {st.pair.symbol} after trade_id {st.last_id} are missing and REST did "
            f"not return them (next live trade_id {upto})",
            hint="the output has a gap; restart the stream",
        )

    def _finish(self, st: _TradeState, fill: _Fill) -> None:
        st.fill = None
        self.filling -= 1
        if fill.written:
            self.ctx.event(
                "backfill",
                channel="trade",
                symbol=st.pair.symbol,
                count=fill.written,
                from_trade_id=None if fill.first is None else fill.first + 1,
                to_trade_id=st.last_id,
            )
        held, st.held = st.held, []
        if held:
            self._take(held)  # in order; a further gap starts the next fill

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
