"""The trades channel of a stream: trade_id continuity, gaps filled from REST Trades."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kraken_cli.errors import IntegrityError, KrxError
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
        resume: Mapping[str, tuple[int, str]] | None = None,
    ) -> None:
        super().__init__(ctx, request)
        self.fetch = fetch
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
