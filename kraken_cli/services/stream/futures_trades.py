"""Futures trades exactly once: resume after a mark, drop repeats by ``uid``, fill gaps from REST.

Futures trades have no ordered id, only a ``uid`` (a UUID) and a millisecond time, so the last
trade given is kept as a :class:`Mark`: its time and the uids of every trade at that time. A
trade is new when it is later than the mark, or at the mark's time with a uid the mark lacks.

On every connect the first trades of a product (the ``trade_snapshot``, newest 20 or so, with
any live trade that raced ahead of it: Kraken may send one first) are checked against the mark.
When they do not reach back to it, the trades between are read from REST ``history`` (newest 100
before ``lastTime``, paged back), the overlap with the mark and with the live trades matched by
uid, never by time alone. Each page asks for ``lastTime`` one millisecond past the oldest trade
it has, so trades sharing that millisecond come again whatever the server's bound (inclusive
or not) and are told apart by uid.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kraken_cli.errors import KrxError
from kraken_cli.models.futures import iso_ms, ms_from_iso, num

#: One REST ``history`` page: ``(symbol, lastTime ISO or None)`` -> rows, newest first.
FetchHistory = Callable[[str, str | None], Sequence[Mapping[str, Any]]]
Event = Callable[[dict[str, Any]], None]
#: Pages a gap may take (100 trades each); past it the gap is reported, not filled.
MAX_PAGES = 200
FULL_PAGE = 100
#: REST attempts per gap (a failed one starts the gap again after ``RETRY_S``).
ATTEMPTS = 3
RETRY_S = 1.0
#: Live trades held while a product's ``trade_snapshot`` is awaited (then given without it).
MAX_HELD = 1000


@dataclass
class Mark:
    """The last trade given: its time (ms) and the uids of every trade at that time."""

    time_ms: int
    uids: set[str] = field(default_factory=set)

    def is_new(self, time_ms: int, uid: str) -> bool:
        """Whether a trade comes after the mark (time first, then uid at the same time)."""
        return time_ms > self.time_ms or (time_ms == self.time_ms and uid not in self.uids)

    def advance(self, time_ms: int, uid: str) -> None:
        """Record a trade as given (trades arrive in time order)."""
        if time_ms > self.time_ms:
            self.time_ms, self.uids = time_ms, {uid}
        elif time_ms == self.time_ms:
            self.uids.add(uid)


def marks_from(resume: Mapping[str, tuple[str, Sequence[str]]]) -> dict[str, Mark]:
    """Build marks from ``symbol -> (RFC3339 time, uids at that time)`` (the archive's last)."""
    return {
        symbol.upper(): Mark(ms_from_iso(when), set(uids))
        for symbol, (when, uids) in resume.items()
    }


def rest_record(symbol: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Map one REST ``history[]`` row to the trade stream record the live feed gives."""
    kind = raw.get("type", "fill")
    return {
        "channel": "trade",
        "symbol": symbol,
        "trade_id": None,
        "trade_uid": str(raw["uid"]),
        "time": iso_ms(ms_from_iso(str(raw["time"]))),
        "price": num(raw.get("price")),
        "volume": num(raw.get("size")),
        "side": raw.get("side"),
        "ord_type": "market" if kind == "fill" else kind,
        "seq": None,
    }


def _ms(record: Mapping[str, Any]) -> int:
    return ms_from_iso(str(record["time"]))


def _uid(record: Mapping[str, Any]) -> str:
    return str(record["trade_uid"])


def _merged(snapshot: list[dict[str, Any]], held: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return a snapshot's trades and the live ones held before it, by time, each uid once."""
    seen: set[str] = set()
    out = []
    for record in [*snapshot, *held]:
        if _uid(record) not in seen:
            seen.add(_uid(record))
            out.append(record)
    return sorted(out, key=_ms)  # stable: the wire's order within a millisecond stays


class TradeTape:
    """Per product: the mark, whether its next trades open a session, and the gap fill."""

    def __init__(
        self,
        marks: dict[str, Mark],
        fetch: FetchHistory | None,
        emit: Event,
        *,
        max_pages: int = MAX_PAGES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.marks, self.fetch, self.emit, self.max_pages = marks, fetch, emit, max_pages
        self.sleep = sleep
        self._opening: set[str] = set()
        self._held: dict[str, list[dict[str, Any]]] = {}

    def connected(self, products: Iterable[str]) -> None:
        """A new connection: the next trades of each product are checked for a gap."""
        self._opening = set(products)
        self._held = {}

    def admit(
        self, product: str, records: list[dict[str, Any]], *, snapshot: bool = False
    ) -> list[dict[str, Any]]:
        """Return the new trades of ``records`` (oldest first), a gap before them filled.

        Until a product's ``snapshot`` arrives its live trades are held, then merged into it.
        """
        if product in self._opening:
            held = self._held.setdefault(product, [])
            if not snapshot and len(held) < MAX_HELD:
                held.extend(records)
                return []
            self._opening.discard(product)
            records = _merged(records, self._held.pop(product))
            mark = self.marks.get(product)
            if records and mark is not None and mark.is_new(_ms(records[0]), _uid(records[0])):
                records = self._fill(product, mark, records) + records
        return [r for r in records if self._take(product, r)]

    def _take(self, product: str, record: Mapping[str, Any]) -> bool:
        time_ms, uid = _ms(record), _uid(record)
        mark = self.marks.get(product)
        if mark is None:
            self.marks[product] = Mark(time_ms, {uid})
            return True
        if not mark.is_new(time_ms, uid):
            return False
        mark.advance(time_ms, uid)
        return True

    def _fill(
        self, product: str, mark: Mark, live: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Return the REST trades after ``mark`` and before the ``live`` ones, oldest first."""
        first = live[0]
        if self.fetch is None:
            self._gap(product, mark, first, "no REST backfill")
            return []
        pages: list[dict[str, Any]] = []
        seen: set[str] = set()
        covered = False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                pages, seen, covered = self._pages(product, mark, _ms(first))
                break
            except (KrxError, KeyError, TypeError, ValueError) as exc:
                self.emit({"event": "backfill_error", "channel": "trade", "symbol": product,
                           "attempt": attempt, "error": str(exc)})  # fmt: skip
                if attempt < ATTEMPTS:
                    self.sleep(RETRY_S)
        if not covered:
            self._gap(product, mark, first, "REST history does not reach back to it")
        elif mark.uids and not mark.uids & seen:
            self._gap(product, mark, first, "REST history lacks the last trade given (by uid)")
        given = {_uid(r) for r in live}
        gap = [
            r
            for r in reversed(pages)
            if mark.is_new(_ms(r), r["trade_uid"]) and _ms(r) <= _ms(first)
            and r["trade_uid"] not in given
        ]  # fmt: skip
        if gap:
            self.emit({"event": "backfill", "channel": "trade", "symbol": product,
                       "count": len(gap), "from_time": gap[0]["time"],
                       "to_time": gap[-1]["time"]})  # fmt: skip
        return gap

    def _pages(
        self, product: str, mark: Mark, first_ms: int
    ) -> tuple[list[dict[str, Any]], set[str], bool]:
        """Page REST back from the first live trade to the mark: ``(records newest first, uids
        seen, whether every trade after the mark is in hand)``."""
        assert self.fetch is not None  # checked by _fill
        pages: list[dict[str, Any]] = []
        seen: set[str] = set()
        cursor = first_ms + 1  # the first live trade's millisecond comes again: overlap by uid
        for _ in range(self.max_pages):
            rows = self.fetch(product, iso_ms(cursor))
            fresh = [r for r in rows if str(r.get("uid")) not in seen]
            seen.update(str(r.get("uid")) for r in fresh)
            pages += [rest_record(product, r) for r in fresh]
            oldest = min((ms_from_iso(str(r["time"])) for r in rows), default=None)
            if oldest is None or oldest < mark.time_ms:
                # past the mark's millisecond: every trade after the mark is in hand
                return pages, seen, oldest is not None
            if len(rows) < FULL_PAGE:
                break  # REST keeps no older trades (7 days, or an engine restart)
            # a full page without a new trade: >100 trades in one ms; step past it
            cursor = min(oldest + 1 if fresh else oldest, cursor - 1)
        return pages, seen, False

    def _gap(self, product: str, mark: Mark, first: Mapping[str, Any], why: str) -> None:
        self.emit(
            {
                "event": "gap",
                "channel": "trade",
                "symbol": product,
                "after": iso_ms(mark.time_ms),
                "before": first["time"],
                "reason": f"trades after the last one given may be missing: {why}",
            }
        )
