"""What the live stream has seen, merged into the REST/history answers of trades and candles.

Pure functions over records. Trades are keyed by ``trade_id`` (a per-pair sequence on spot):
the REST row wins a tie, so an answer REST covers stays equal to the CLI's, and the stream
adds only what REST has not served yet. Candles are keyed by their open time: of two versions
of one candle, the one that has seen more trades wins (the forming candle grows with each).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

Record = Mapping[str, Any]
#: The keys of a trade and a candle record as the REST routes answer them.
TRADE_KEYS = ("symbol", "trade_id", "time", "price", "volume", "side", "ord_type")
CANDLE_KEYS = ("symbol", "time", "open", "high", "low", "close", "vwap", "volume", "count")


def instant(text: str) -> datetime:
    """Parse a record's ISO-8601 UTC time (``...Z``)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def within(record: Record, start: datetime | None, end: datetime | None) -> bool:
    """Whether the record's time falls in [start, end)."""
    moment = instant(record["time"])
    return (start is None or moment >= start) and (end is None or moment < end)


def merge_trades(
    rest: Iterable[Record],
    live: Iterable[Record],
    *,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Return REST's trades plus the live ones it lacks, ascending by id, limited.

    With ``start``: the first ``limit`` from it; otherwise the latest ``limit``.
    """
    rows: dict[int, dict[str, Any]] = {}
    for record in live:
        if within(record, start, end):
            rows[int(record["trade_id"])] = {key: record.get(key) for key in TRADE_KEYS}
    for record in rest:
        rows[int(record["trade_id"])] = dict(record)
    ordered = [rows[tid] for tid in sorted(rows)]
    return ordered[:limit] if start is not None else ordered[-limit:]


def merge_candles(
    rows: Iterable[Record],
    live: Iterable[Record],
    *,
    start: datetime,
    end: datetime,
    interval_s: int,
    closed_before: datetime | None,
) -> list[dict[str, Any]]:
    """Return the candles of [start, end), ascending, each the version with the most trades.

    ``closed_before``: leave out live candles still forming at that instant (None: keep them).
    """
    by_open: dict[datetime, dict[str, Any]] = {instant(r["time"]): dict(r) for r in rows}
    for record in live:
        opened = instant(record["time"])
        if not start <= opened < end:
            continue
        if (
            closed_before is not None
            and opened.timestamp() + interval_s > closed_before.timestamp()
        ):
            continue
        known = by_open.get(opened)
        if known is None or (record.get("count") or 0) > (known.get("count") or 0):
            by_open[opened] = {key: record.get(key) for key in CANDLE_KEYS}
    return [by_open[moment] for moment in sorted(by_open)]
