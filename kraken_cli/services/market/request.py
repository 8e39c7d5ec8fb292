"""Request rules every market-data front end shares: time windows, limits, depth bounds.

A front end (CLI, HTTP, MCP) passes the user's words (``--days``, ``--since 2h``); the service
checks them here, against its own clock, whatever the market segment.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Self, TypeVar

from kraken_cli.errors import UsageError
from kraken_cli.models.times import check_range, parse_time

MAX_DEPTH = 500

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Window:
    """A time range as asked: ``since``/``until`` (text or datetime) or the last ``days``."""

    since: str | datetime | None = None
    until: str | datetime | None = None
    days: float | None = None

    def __post_init__(self) -> None:
        if self.days is not None and self.since is not None:
            raise UsageError("give --days or --since, not both")
        if self.days is not None and not (math.isfinite(self.days) and self.days > 0):
            raise UsageError("--days must be positive")

    def bounds(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """Return ``(start, end)``; relative times count back from ``now``."""
        if self.days is not None:
            try:
                start: datetime | None = now - timedelta(days=self.days)
            except OverflowError:
                raise UsageError(f"--days {self.days:g} reaches before year 1") from None
        else:
            start = _moment(self.since, now)
        end = _moment(self.until, now)
        check_range(start, end)
        return start, end


#: No bounds: the latest data (each source's default range).
ANY_TIME = Window()


def _moment(value: str | datetime | None, now: datetime) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_time(value, now) if value else None


def check_limit(limit: int | None) -> None:
    """Refuse a row limit below one."""
    if limit is not None and limit <= 0:
        raise UsageError("--limit must be positive")


def check_depth(depth: int) -> None:
    """Refuse a book depth outside 1..MAX_DEPTH."""
    if not 1 <= depth <= MAX_DEPTH:
        raise UsageError(f"--depth must be 1..{MAX_DEPTH}, got {depth}")


def refuse_tick_type(tick_type: str) -> None:
    """Refuse mark/spot ``--tick-type`` where only trade prices exist (spot OHLC)."""
    if tick_type != "trade":
        raise UsageError("--tick-type applies to futures candles", hint="add --market futures")


def refuse_fill(fill: bool) -> None:
    """Refuse ``--fill`` where the source has no trade-count semantics (futures)."""
    if fill:
        raise UsageError("--fill applies to spot candles", hint="drop --fill for futures")


def limited(rows: Iterable[T], limit: int | None, *, from_start: bool) -> Iterator[T]:
    """Keep the first ``limit`` rows (a range read from ``since``) or the latest ones."""
    if limit is None:
        yield from rows
    elif from_start:
        yield from islice(rows, limit)
    else:
        yield from list(rows)[-limit:]


class Session:
    """What every segment's service shares: an injected wall clock and closing as a context."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall

    def now(self) -> datetime:
        """Return the service's notion of the current UTC time."""
        return datetime.fromtimestamp(self._wall(), UTC)

    def close(self) -> None:
        """Close the connections (each service knows its own)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
