"""``krx watch`` refuses what it cannot draw, before any connection (exit 2, a hint to stream)."""

from __future__ import annotations

import pytest

from kraken_cli.cli.app import run


def test_watch_refuses_when_stdout_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["watch", "book", "BTCUSD", "ETH/USD"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # stdout is data only
    assert "standard output is not" in captured.err
    assert "hint: for data in a pipe or file: krx stream book BTCUSD ETH/USD" in captured.err


def test_watch_refuses_a_data_format(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["--format", "csv", "watch", "trades", "BTCUSD"])
    err = capsys.readouterr().err
    assert code == 2
    assert "krx stream trades BTCUSD --format csv" in err


def test_watch_names_its_views(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["watch", "candles", "BTCUSD"]) == 2
    assert "ticker|book|trades" in capsys.readouterr().err


def test_watch_needs_a_symbol(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["watch", "book"]) == 2


def test_watch_completes_its_views() -> None:
    from kraken_cli.cli.watch_cmd import _complete_view

    assert _complete_view("t") == ["ticker", "trades"]
    assert _complete_view("") == ["ticker", "book", "trades"]
