from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kraken_cli.errors import UsageError
from kraken_cli.models.times import iso_from_unix, iso_utc, parse_time

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T12:00:00Z", datetime(2026, 11, 1, 12, tzinfo=UTC)),
        ("2026-11-01T14:00:00+02:00", datetime(2026, 11, 1, 12, tzinfo=UTC)),
        ("1790000000", datetime.fromtimestamp(1790000000, UTC)),
        ("90m", NOW - timedelta(minutes=90)),
        ("12h", NOW - timedelta(hours=12)),
        ("7d", NOW - timedelta(days=7)),
        ("2w", NOW - timedelta(weeks=2)),
    ],
)
def test_accepted(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "7x", "2026-13-01", "12:00"])
def test_rejected(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_time(text, NOW)
    assert info.value.hint and "ISO-8601" in info.value.hint


@given(st.text(max_size=12))
def test_never_raises_anything_else(text: str) -> None:
    try:
        moment = parse_time(text, NOW)
    except UsageError:
        return
    assert moment.tzinfo is not None


def test_rendering() -> None:
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    assert iso_from_unix("1616663618.5583") == "2021-03-25T09:13:38.558300Z"
    assert iso_from_unix(1616663618) == "2021-03-25T09:13:38Z"


def test_range_must_start_before_it_ends() -> None:
    from kraken_cli.models.times import check_range

    check_range(None, NOW)
    check_range(NOW - timedelta(days=1), NOW)
    with pytest.raises(UsageError) as info:
        check_range(NOW, NOW - timedelta(days=1))
    assert "swap" in (info.value.hint or "")
