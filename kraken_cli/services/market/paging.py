"""Trade paging with every page checked: rows in order, cursors that move, times in range.

A page that breaks a paging invariant raises ``ProtocolError``: a stuck or backwards cursor
must never become a hang, or fewer rows with exit 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any, Protocol

from kraken_cli.errors import ProtocolError, UsageError
from kraken_cli.models.market import Trade
from kraken_cli.models.times import iso_ms

NS = 1_000_000_000
#: Trade times are JSON floats (about 100 ns of precision); cursors are exact nanoseconds.
TIME_SLACK = Decimal("0.001")
#: Safety cap on Kraken Futures ``history`` pages (100 trades each) per request.
MAX_HISTORY_PAGES = 500


class TradesPage(Protocol):
    """One spot ``Trades`` answer: rows and the nanosecond ``last`` cursor."""

    @property
    def trades(self) -> Sequence[Trade]: ...
    @property
    def last(self) -> str: ...


def _check_order(endpoint: str, trades: Sequence[Trade]) -> None:
    """Refuse a page whose trade ids or times go backwards."""
    for before, after in pairwise(trades):
        if after.time < before.time:
            raise ProtocolError(endpoint, f"trade times go backwards at trade {after.trade_id}")
        if None not in (before.trade_id, after.trade_id) and (
            int(after.trade_id or 0) <= int(before.trade_id or 0)
        ):
            raise ProtocolError(endpoint, f"trade ids do not increase at {after.trade_id}")


class _Cursor:
    """The ``since`` of the next Trades request: unix seconds first, then Kraken's ``last``."""

    def __init__(self, since: Decimal) -> None:
        self.text, self.ns = str(int(since)), int(since) * NS

    def advance(self, page: TradesPage, fresh: bool) -> bool:
        """Move to the page's ``last``; False at the head of the tape, ProtocolError if stuck."""
        last_ns = _last_ns(page)
        if last_ns < self.ns:
            raise ProtocolError("Trades", f"cursor went backwards ({self.text} -> {page.last})")
        if last_ns == self.ns:
            if fresh:
                raise ProtocolError("Trades", f"cursor stuck at {self.text} with new trades")
            return False  # only the trades at the cursor came again: the head of the tape
        self.text, self.ns = page.last, last_ns
        return True


def _last_ns(page: TradesPage) -> int:
    if not page.last.isdigit():
        raise ProtocolError("Trades", f"cursor 'last' is not a nanosecond count: {page.last!r}")
    return int(page.last)


def _fresh(page: TradesPage, cursor: _Cursor, since: Decimal, seen: _Seen) -> list[Trade]:
    """Return the page's trades not given before; refuse trades outside the page's range."""
    _check_order("Trades", page.trades)
    last_s = Decimal(_last_ns(page)) / NS if page.trades else Decimal(0)
    fresh = []
    for trade in page.trades:
        if trade.time > last_s + TIME_SLACK:
            raise ProtocolError("Trades", f"trade {trade.trade_id} is after the page's last")
        if trade.time < since or not seen.first_time(trade):
            continue
        if trade.time < Decimal(cursor.ns) / NS - TIME_SLACK:
            raise ProtocolError("Trades", f"new trade {trade.trade_id} before the cursor")
        fresh.append(trade)
    return fresh


def page_trades(
    fetch: Callable[[str], TradesPage],
    *,
    since: Decimal,
    until: Decimal | None = None,
    limit: int | None = None,
    max_pages: int = 1_000_000,
) -> Iterator[Trade]:
    """Page ``Trades`` from ``since`` with the ``last`` cursor; dedupe by trade_id (or content).

    Pages may repeat the trades at the cursor (an inclusive ``since``); those are dropped.
    Stops at ``until`` (exclusive), ``limit``, an empty page, or a page that only repeats
    what was already given at an unmoved cursor.
    """
    cursor, seen, emitted = _Cursor(since), _Seen(), 0
    for _ in range(max_pages):
        page = fetch(cursor.text)
        fresh = _fresh(page, cursor, since, seen)
        for trade in fresh:
            if until is not None and trade.time >= until:
                return
            yield trade
            emitted += 1
            if limit is not None and emitted >= limit:
                return
        if not page.trades or not cursor.advance(page, bool(fresh)):
            return
    raise ProtocolError("Trades", f"cursor still moving after {max_pages} pages")


class _Seen:
    """Trades already given: by increasing trade_id, or by content at the boundary time."""

    def __init__(self) -> None:
        self.last_id: int | None = None
        self.boundary: set[tuple[Any, ...]] = set()
        self.boundary_time: Decimal | None = None

    def first_time(self, trade: Trade) -> bool:
        """Record ``trade``; return False when it was given before."""
        if trade.trade_id is not None:
            if self.last_id is not None and trade.trade_id <= self.last_id:
                return False
            self.last_id = trade.trade_id
            return True
        key = (trade.time, trade.price, trade.volume, trade.side, trade.ord_type)
        if key in self.boundary:
            return False
        if trade.time != self.boundary_time:
            self.boundary, self.boundary_time = set(), trade.time
        self.boundary.add(key)
        return True


def page_history(
    fetch: Callable[[str | None], Sequence[Trade]],
    *,
    since: datetime | None,
    until: datetime | None,
    max_pages: int = MAX_HISTORY_PAGES,
) -> list[Trade]:
    """Collect Kraken Futures ``history`` pages (newest first) back to ``since``, oldest first.

    Without ``since`` one page (the latest trades before ``until``) is read.
    """
    since_s = None if since is None else _s(since)
    until_s = None if until is None else _s(until)
    cursor = until_s
    collected: dict[Any, Trade] = {}
    for _ in range(max_pages):
        page = fetch(None if cursor is None else iso_ms(int(cursor.scaleb(3))))
        if cursor is not None and any(t.time > cursor for t in page):
            raise ProtocolError("history", "a trade is newer than the lastTime asked for")
        fresh = [t for t in page if _history_key(t) not in collected]
        collected.update((_history_key(t), t) for t in fresh)
        if not fresh or since_s is None:
            break
        oldest = min(t.time for t in page)
        if oldest <= since_s:
            break
        if cursor is not None and oldest >= cursor:
            raise ProtocolError("history", f"lastTime cursor stuck at {iso_ms(int(oldest * 1000))}")
        cursor = oldest
    else:
        raise UsageError(
            f"the range needs more than {max_pages} pages of futures trades",
            hint="narrow --since/--until",
        )
    rows = sorted(collected.values(), key=lambda t: (t.time, t.trade_id or 0))
    return [
        t
        for t in rows
        if (since_s is None or t.time >= since_s) and (until_s is None or t.time < until_s)
    ]


def _history_key(trade: Trade) -> Any:
    uid = getattr(trade, "uid", None)
    return uid or (trade.trade_id, trade.time)


def _s(moment: datetime) -> Decimal:
    """Return unix seconds to the millisecond (Kraken Futures' resolution)."""
    return Decimal(int(moment.timestamp() * 1000)).scaleb(-3)
