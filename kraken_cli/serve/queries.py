"""The Provider API's query forms: epoch-millisecond or ISO-8601 times, windows, limits.

Each parser raises :class:`~kraken_cli.errors.UsageError` (400) naming what is accepted, so a
typo never becomes an empty answer.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from kraken_cli.errors import UsageError
from kraken_cli.models.intervals import Interval
from kraken_cli.models.times import parse_time
from kraken_cli.services.market import Window

ACCEPTED_TIMES = "epoch milliseconds (1764460800000) or ISO-8601 (2026-11-30T00:00:00Z)"
_EPOCH_MS = re.compile(r"\d{1,16}")
#: Kraken opened in 2013; no market data exists before this.
EARLIEST = datetime(2013, 1, 1, tzinfo=UTC)
MAX_DAYS = 3650.0
TRADES_LIMIT_MAX = 1000
TRADES_LIMIT_DEFAULT = 100


def parse_instant(text: str, name: str) -> datetime:
    """Parse a query time: epoch milliseconds or ISO-8601 (UTC when no offset is given)."""
    raw = text.strip()
    if _EPOCH_MS.fullmatch(raw):
        moment = datetime.fromtimestamp(int(raw) / 1000, UTC)
    else:
        try:
            moment = parse_time(raw)
        except UsageError:
            raise UsageError(f"bad {name} {raw!r}", hint=f"accepted: {ACCEPTED_TIMES}") from None
    if not EARLIEST <= moment <= datetime.now(UTC) + timedelta(days=1):
        raise UsageError(
            f"{name} {raw!r} is outside Kraken's history", hint=f"accepted: {ACCEPTED_TIMES}"
        )
    return moment


#: A resolved window [start, end).
Span = tuple[datetime, datetime]


def candle_window(
    interval: Interval,
    *,
    days: float | None,
    start: str | None,
    end: str | None,
    now: datetime,
) -> Span:
    """Return the candles' window: ``days`` or ``from`` up to ``to`` (or now).

    Without either, 7 days (6 hours for min1), as the platform's Provider API does. The
    request rules (days or from, not both; from before to) are the services' Window's.
    """
    if days is not None and not (math.isfinite(days) and 0 < days <= MAX_DAYS):
        raise UsageError(f"days must be in (0, {MAX_DAYS:g}]", hint="e.g. days=7")
    stop = parse_instant(end, "to") if end else now
    first = parse_instant(start, "from") if start else None
    if first is None and days is None:
        days = 0.25 if interval.seconds == 60 else 7.0
    since, until = Window(first, stop, days).bounds(stop)
    assert since is not None and until is not None  # days or from is set
    return since, until


def trades_window(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """Return the trades' ``from``/``to`` (either may be open), refusing from >= to."""
    first = parse_instant(start, "from") if start else None
    last = parse_instant(end, "to") if end else None
    return Window(first, last).bounds(datetime.now(UTC))


def trades_limit(limit: int | None) -> int:
    """Return the trades limit (default 100), refusing anything outside 1..1000."""
    if limit is None:
        return TRADES_LIMIT_DEFAULT
    if not 1 <= limit <= TRADES_LIMIT_MAX:
        raise UsageError(f"limit must be 1..{TRADES_LIMIT_MAX}, got {limit}", hint="limit=100")
    return limit


def sort_order(order: str | None) -> bool:
    """Return True for descending (the default), False for ``asc``."""
    text = (order or "desc").strip().lower()
    if text not in ("asc", "desc"):
        raise UsageError(f"order must be asc or desc, got {order!r}", hint="order=desc")
    return text == "desc"


#: How long an answer over a window that ended in the past stays cached (closed candles).
CLOSED_TTL_S = 300.0


def candle_period(
    interval: Interval, window: Span, *, open_ended: bool, partial: bool, now: datetime
) -> tuple[tuple[int, int], float]:
    """Return the candle opens that bound ``window`` and how long its answer stays valid.

    Every window whose start falls in the same candle and whose end falls in the same candle
    selects the same candles, so they share one answer. An answer up to now is valid until the
    next candle closes (1 s with the forming candle, which changes with every trade).
    """
    first = interval.open_time(int(window[0].timestamp()))
    last = interval.open_time(int(window[1].timestamp()) - 1)
    if not open_ended:
        return (first, last), CLOSED_TTL_S
    if partial:
        return (first, last), 1.0
    current = interval.open_time(int(now.timestamp()))
    return (first, last), max(0.0, interval.next_open(current) - now.timestamp())
