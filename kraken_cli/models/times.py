"""Time arguments (ISO-8601, unix seconds, relative ages) and UTC rendering (spot and futures)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from kraken_cli.errors import UsageError

# Patterns that re compiles (and caches) on first use: most commands parse no time (start-up).
_AGE = r"(?i)(\d+(?:\.\d+)?)\s*(s|m|h|d|w)"
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_UNIX = r"\d{9,11}(?:\.\d+)?"

ACCEPTED_HELP = (
    "ISO-8601 (2026-11-01, 2026-11-01T12:00:00Z), unix seconds, or an age (90m, 12h, 7d);"
    " between 1970-01-01 and 2100-01-01"
)
#: Times krx accepts: from the unix epoch (Kraken opened in 2013) to well past any data.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """Parse T as SPEC.md describes: ISO-8601, unix seconds, or an age before ``now``.

    Anything outside EARLIEST..LATEST (``0001-01-01``, an age of a million years) is a usage
    error naming the accepted forms, never an overflow deeper down.
    """
    raw = text.strip()
    moment = _parse(raw, now or utc_now())
    if not EARLIEST <= moment <= LATEST:
        raise _bad(raw, "out of range")
    return moment


def _bad(raw: str, why: str = "") -> UsageError:
    shown = raw if len(raw) <= 40 and raw.isprintable() else repr(raw[:40])
    return UsageError(
        f"bad time {shown!r}" + (f" ({why})" if why else ""), hint=f"accepted: {ACCEPTED_HELP}"
    )


def _parse(raw: str, now: datetime) -> datetime:
    age = re.fullmatch(_AGE, raw)
    try:
        if age:
            seconds = float(age.group(1)) * _AGE_UNITS[age.group(2).lower()]
            return now - timedelta(seconds=seconds)
        if re.fullmatch(_UNIX, raw):
            return datetime.fromtimestamp(float(Decimal(raw)), UTC)
        iso = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise _bad(raw, "out of range") from exc
    except (InvalidOperation, ValueError) as exc:
        raise _bad(raw) from exc


def parse_duration(text: str, what: str = "duration") -> float:
    """Parse a span such as ``30s``, ``10m``, ``1h``, ``2d`` into seconds (positive, finite)."""
    match = re.fullmatch(_AGE, text.strip())
    seconds = float(match.group(1)) * _AGE_UNITS[match.group(2).lower()] if match else 0.0
    if not 0 < seconds < float("inf"):
        raise UsageError(f"bad {what} {text!r}", hint="e.g. 30s, 10m, 1h, 1d")
    return seconds


def iso_utc(moment: datetime) -> str:
    """Render an aware datetime as ISO-8601 UTC with ``Z`` (microseconds only when present)."""
    moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def iso_from_unix(seconds: int | float | str | Decimal) -> str:
    """Render unix seconds (possibly fractional text such as ``"1616663618.5583"``) as ISO UTC."""
    if type(seconds) is int and 0 <= seconds < _YEAR_10000:  # candle times: the hot path
        day, rest = divmod(seconds, 86_400)
        prefix = _DAY_TEXT.get(day) or _day_text(day)
        clock = _CLOCK or _clock_text()
        return prefix + clock[0][rest // 60] + clock[1][rest % 60]
    value = Decimal(str(seconds))
    whole = int(value)
    micros = int((value - whole) * 1_000_000)
    return iso_utc(datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=micros))


#: First second of the year 10000 (datetime's limit): later times take the general path's error.
_YEAR_10000 = 253_402_300_800
#: "YYYY-MM-DDT" per unix day, for the days rendered lately (a range of candles shares a few).
_DAY_TEXT: dict[int, str] = {}


#: ``HH:MM:`` for each minute of a day and ``SSZ`` for each second, built on first use.
_CLOCK: list[list[str]] = []


def _clock_text() -> list[list[str]]:
    _CLOCK.append([f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440)])
    _CLOCK.append([f"{s:02d}Z" for s in range(60)])
    return _CLOCK


def _day_text(day: int) -> str:
    if len(_DAY_TEXT) >= 4096:
        _DAY_TEXT.clear()
    text = _DAY_TEXT[day] = datetime.fromtimestamp(day * 86_400, UTC).date().isoformat() + "T"
    return text


def check_range(since: datetime | None, until: datetime | None) -> None:
    """Refuse a time window that ends before it starts (an empty answer would hide the typo)."""
    if since is not None and until is not None and since >= until:
        raise UsageError(
            f"--since ({iso_utc(since)}) is not before --until ({iso_utc(until)})",
            hint="swap them, or drop --until to read up to now",
        )


def iso_ms(ms: int | str) -> str:
    """Render epoch milliseconds as ISO-8601 UTC with millisecond precision and ``Z``."""
    value = int(ms)
    moment = datetime.fromtimestamp(value // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{value % 1000:03d}Z"


def iso_wire(text: str | None) -> str | None:
    """Normalise a futures ISO time (``2024-05-03T13:05:43.974Z``) to UTC with ``Z``."""
    if not text:
        return None
    raw = str(text)
    if raw.endswith("Z"):
        return raw
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso_ms(int(moment.timestamp() * 1000))


def ms_from_iso(text: str) -> int:
    """Return epoch milliseconds of a futures ISO time."""
    raw = text[:-1] + "+00:00" if text.endswith("Z") else text
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)
