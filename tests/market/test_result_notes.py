"""Empty or short results say why (services.explain): forming candle, later history, filters."""

from __future__ import annotations

from typing import Any

import pytest
from market_samples import mock_spot

from kraken_cli.cli.app import run
from kraken_cli.services.explain import FILTERED, FORMING, HISTORY_STARTS, Explained, notes_of
from kraken_cli.services.market import Window

FORMING_OPEN = 1790359200  # the sample's last h1 row; its ``last`` is the hour before
FIRST_OPEN = 1790348400  # the sample's first h1 row


def _kinds(result: Any) -> list[str]:
    list(result)  # notes come once the rows are consumed
    return [note.kind for note in notes_of(result)]


def test_only_the_forming_candle_in_range_names_partial() -> None:
    md, _ = mock_spot()
    result = md.candles("BTCUSD", "h1", Window(str(FORMING_OPEN)))
    assert isinstance(result, Explained)
    assert _kinds(result) == [FORMING]
    message = notes_of(result)[0].message
    assert "only candle" in message and "--partial" in message and "2026-09-25T18:00:00Z" in message
    with_partial = md.candles("BTCUSD", "h1", Window(str(FORMING_OPEN)), partial=True)
    assert _kinds(with_partial) == [] and with_partial.count == 1  # type: ignore[attr-defined]


def test_history_that_starts_later_than_asked_says_where() -> None:
    md, _ = mock_spot()
    asked = FIRST_OPEN - 3 * 86400
    result = md.candles("BTCUSD", "h1", Window(str(asked)))
    assert _kinds(result) == [HISTORY_STARTS]
    assert "history starts at 2026-09-25T15:00:00Z" in notes_of(result)[0].message
    assert _kinds(md.candles("BTCUSD", "h1", Window(str(FIRST_OPEN)))) == []  # as asked


def test_a_range_without_trades_says_so() -> None:
    md, _ = mock_spot()
    result = md.candles("BTCUSD", "h1", Window(str(FIRST_OPEN - 7200), str(FIRST_OPEN)))
    assert _kinds(result) == [FILTERED]
    assert "--fill" in notes_of(result)[0].message


def test_the_cli_prints_notes_on_stderr_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    md, _ = mock_spot()

    class _Session:
        def __enter__(self) -> Any:
            return md

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr("kraken_cli.cli.market_cmd.market_data", lambda ctx, market: _Session())
    code = run(["--format", "jsonl", "candles", "BTCUSD", "h1", "--since", str(FORMING_OPEN)])
    out, err = capsys.readouterr()
    assert code == 0 and out == ""
    assert "krx: the only candle in the range" in err and "--partial" in err


def test_a_filter_that_removes_everything_says_so() -> None:
    md, _ = mock_spot()
    none = md.symbols("XYZ")
    assert list(none) == [] and [n.kind for n in notes_of(none)] == [FILTERED]
    assert notes_of(none)[0].message == "no spot pair is quoted in XYZ"
    some = md.symbols("USD")
    assert len(some) > 0 and notes_of(some) == []
    assert notes_of(md.symbols()) == []
