"""``krx candles --chart`` with ``--format``: a picture is not data (exit 2 before any request)."""

from __future__ import annotations

import pytest

from kraken_cli.cli.app import run


def test_chart_refuses_a_format_given_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(["candles", "BTCUSD", "h1", "--chart", "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "--chart draws a picture; --format csv writes data" in captured.err
