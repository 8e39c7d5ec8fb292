"""Pure parsers at the argument boundary: any text gives a value in range or a usage error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.errors import BadIntervalError, UsageError
from kraken_cli.models.intervals import parse_interval
from kraken_cli.models.times import EARLIEST, LATEST, parse_time

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
time_like = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\d{1,25}(\.\d{1,5})?[smhdwSMHDW]", fullmatch=True),
    st.from_regex(r"\d{1,12}(\.\d{1,9})?", fullmatch=True),
    st.from_regex(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?", fullmatch=True),
)


@settings(max_examples=400, deadline=None)
@given(text=time_like)
def test_any_time_text_is_in_range_or_a_usage_error(text: str) -> None:
    try:
        moment = parse_time(text, NOW)
    except UsageError as exc:
        assert exc.hint and "accepted" in exc.hint
        return
    assert EARLIEST <= moment <= LATEST and moment.tzinfo is not None


@pytest.mark.parametrize(
    "text", ["0001-01-01", "9999-12-31", "99999999999d", "1e400", "inf", "nan", "1969-12-31"]
)
def test_far_or_non_finite_times_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_time(text, NOW)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=12) | st.from_regex(r"\d{1,30}[mMhHdDwW]?", fullmatch=True))
def test_any_interval_text_parses_or_is_a_bad_interval(text: str) -> None:
    try:
        interval = parse_interval(text)
    except BadIntervalError as exc:
        assert exc.hint and "min1" in exc.hint
        return
    assert interval.minutes >= 0 and interval.name


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1m", 1), ("1H", 60), ("4h", 240), ("1D", 1440), ("1w", 10080), ("MIN5", 5), ("Day", 1440)],
)
def test_case_rules(text: str, minutes: int) -> None:
    assert parse_interval(text).minutes == minutes


@pytest.mark.parametrize("text", ["1M", "5M", "15M", "60M"])
def test_capital_m_is_ambiguous(text: str) -> None:
    with pytest.raises(BadIntervalError, match="ambiguous") as info:
        parse_interval(text)
    assert "month" in (info.value.hint or "")
