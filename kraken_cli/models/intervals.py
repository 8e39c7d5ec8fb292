"""Candle intervals: the platform's names, Kraken's minutes and short forms, one parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from kraken_cli.errors import BadIntervalError

#: Kraken's native OHLC intervals in minutes (REST OHLC and WS v2 ohlc).
KRAKEN_NATIVE_MINUTES = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)

#: Minutes of a calendar month are not fixed; 0 marks "calendar month".
MONTH = 0


@dataclass(frozen=True, order=True)
class Interval:
    """A candle interval: its platform name and its length in minutes (0 = calendar month)."""

    minutes: int
    name: str

    @property
    def kraken_native(self) -> bool:
        """Whether Kraken serves this interval directly (else krx aggregates it)."""
        return self.minutes in KRAKEN_NATIVE_MINUTES

    @property
    def seconds(self) -> int:
        """Length in seconds (a calendar month has no fixed length: 0)."""
        return self.minutes * 60

    def open_time(self, ts: int) -> int:
        """Return the unix-seconds open time of the interval containing ``ts`` (UTC-aligned)."""
        if self.minutes == MONTH:
            moment = datetime.fromtimestamp(ts, UTC)
            return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp())
        return ts - ts % self.seconds

    def next_open(self, open_ts: int) -> int:
        """Return the open time of the interval after the one opening at ``open_ts``."""
        if self.minutes == MONTH:
            moment = datetime.fromtimestamp(open_ts, UTC)
            year, month = (
                (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
            )
            return int(datetime(year, month, 1, tzinfo=UTC).timestamp())
        return open_ts + self.seconds


# Platform name -> minutes. Order is the order shown in help and errors.
PLATFORM_NAMES: dict[str, int] = {
    "min1": 1,
    "min5": 5,
    "min15": 15,
    "min30": 30,
    "h1": 60,
    "h2": 120,
    "h4": 240,
    "day": 1440,
    "week": 10080,
    "month": MONTH,
}
_MINUTES_TO_NAME = {minutes: name for name, minutes in PLATFORM_NAMES.items()}
_MINUTES_TO_NAME[21600] = "15d"

_SHORT_FORMS: dict[str, int] = {
    "1m": 1,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "1h": 60,
    "2h": 120,
    "4h": 240,
    "1d": 1440,
    "1w": 10080,
}

ACCEPTED_HELP = (
    "min1 min5 min15 min30 h1 h2 h4 day week month | "
    "1 5 15 30 60 240 1440 10080 21600 | 1m 5m 15m 30m 1h 2h 4h 1d 1w"
)

_INTEGER = re.compile(r"\d{1,6}")
#: ``1M`` means a month to some and a minute to others: refused, with both spellings offered.
_CAPITAL_M = re.compile(r"\d+M")


def parse_interval(text: str) -> Interval:
    """Parse a platform name, Kraken minutes or a short form into an :class:`Interval`.

    Case does not matter (``H1``, ``1H``, ``Day``) except for ``m``: a short form with a
    capital ``M`` (``1M``) is refused as ambiguous (minute or month?) rather than guessed.
    """
    raw = text.strip()
    if _CAPITAL_M.fullmatch(raw):
        raise BadIntervalError(
            f"ambiguous interval {raw!r}",
            hint=f"write {raw[:-1]}m for minutes or `month` for calendar months;"
            f" accepted: {ACCEPTED_HELP}",
        )
    key = raw.lower()
    minutes: int | None = None
    if key in PLATFORM_NAMES:
        minutes = PLATFORM_NAMES[key]
    elif key in _SHORT_FORMS:
        minutes = _SHORT_FORMS[key]
    elif _INTEGER.fullmatch(key) and int(key) in KRAKEN_NATIVE_MINUTES:
        minutes = int(key)
    if minutes is None:
        shown = raw if len(raw) <= 20 and raw.isprintable() else repr(raw[:20])
        raise BadIntervalError(f"unknown interval {shown!r}", hint=f"accepted: {ACCEPTED_HELP}")
    return Interval(minutes=minutes, name=_MINUTES_TO_NAME[minutes])
