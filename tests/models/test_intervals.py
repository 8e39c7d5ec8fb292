from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kraken_cli.errors import BadIntervalError
from kraken_cli.models.intervals import KRAKEN_NATIVE_MINUTES, MONTH, parse_interval


@pytest.mark.parametrize(
    ("text", "minutes", "name"),
    [
        ("min1", 1, "min1"),
        ("MIN5", 5, "min5"),
        ("h1", 60, "h1"),
        ("60", 60, "h1"),
        ("1h", 60, "h1"),
        ("h2", 120, "h2"),
        ("2h", 120, "h2"),
        ("4h", 240, "h4"),
        ("day", 1440, "day"),
        ("1d", 1440, "day"),
        ("week", 10080, "week"),
        ("1w", 10080, "week"),
        ("10080", 10080, "week"),
        ("21600", 21600, "15d"),
        ("month", MONTH, "month"),
    ],
)
def test_accepted_spellings(text: str, minutes: int, name: str) -> None:
    interval = parse_interval(text)
    assert (interval.minutes, interval.name) == (minutes, name)


def test_native_flags() -> None:
    assert parse_interval("h1").kraken_native
    assert not parse_interval("h2").kraken_native
    assert not parse_interval("month").kraken_native


@pytest.mark.parametrize("text", ["", "h3", "2", "120", "d1x", "1y", "-1", "1.5"])
def test_rejected_with_list(text: str) -> None:
    with pytest.raises(BadIntervalError) as info:
        parse_interval(text)
    assert info.value.hint and "min1" in info.value.hint and "21600" in info.value.hint


@given(st.text(max_size=8))
def test_parser_never_raises_anything_else(text: str) -> None:
    try:
        interval = parse_interval(text)
    except BadIntervalError:
        return
    assert interval.minutes in (*KRAKEN_NATIVE_MINUTES, 120, MONTH)


def test_alignment() -> None:
    h1 = parse_interval("h1")
    assert h1.open_time(3600 * 5 + 59) == 3600 * 5
    week = parse_interval("week")
    # Kraken's weekly candles are epoch aligned: the epoch was a Thursday.
    assert datetime.fromtimestamp(week.open_time(1_790_000_000), UTC).weekday() == 3
    month = parse_interval("month")
    ts = int(datetime(2026, 12, 15, 8, tzinfo=UTC).timestamp())
    opened = month.open_time(ts)
    assert datetime.fromtimestamp(opened, UTC) == datetime(2026, 12, 1, tzinfo=UTC)
    assert datetime.fromtimestamp(month.next_open(opened), UTC) == datetime(2027, 1, 1, tzinfo=UTC)
