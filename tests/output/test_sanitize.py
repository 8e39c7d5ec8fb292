"""Server text is made safe for terminals (tables, messages) and spreadsheets (CSV cells)."""

from __future__ import annotations

import io

import pytest

from kraken_cli.cli.common import AppState, report_error
from kraken_cli.errors import KrakenError
from kraken_cli.output.render import render, render_object
from kraken_cli.output.sanitize import csv_safe, for_terminal, for_terminal_lines

ESC = "\x1b"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("BTC/USD", "BTC/USD"),
        ("É/€ 1.5", "É/€ 1.5"),
        ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),
        ("ok\rFAKE", "ok\\x0dFAKE"),
        ("a\nb\tc\x7f", "a\\x0ab\\x09c\\x7f"),
        ("csi\x9b31m", "csi\\x9b31m"),
        ("abc\u202edcba", "abc\\u202edcba"),
    ],
)
def test_for_terminal_makes_control_characters_visible(text: str, shown: str) -> None:
    assert for_terminal(text) == shown


def test_for_terminal_lines_keeps_line_breaks() -> None:
    assert for_terminal_lines("one\x1b[31m\ntwo") == "one\\x1b[31m\ntwo"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-", "'-"),
        # numbers are data: never touched
        ("-1.5", "-1.5"),
        ("+2", "+2"),
        ("-3e-8", "-3e-8"),
        ("-.5", "-.5"),
        ("64525.0", "64525.0"),
        ("", ""),
        ("BTC/USD", "BTC/USD"),
    ],
)
def test_csv_safe_neutralises_formulas_not_numbers(cell: str, safe: str) -> None:
    assert csv_safe(cell) == safe


def test_csv_output_neutralises_cells_and_keeps_negative_numbers() -> None:
    out = io.StringIO()
    render([{"symbol": "=1+1", "change": "-2216.8", "note": "@x"}], "csv", out=out)
    assert out.getvalue().splitlines() == ["symbol,change,note", "'=1+1,-2216.8,'@x"]


def test_csv_object_is_neutralised() -> None:
    out = io.StringIO()
    render_object({"message": "=cmd()"}, "csv", out=out)
    assert out.getvalue().splitlines()[1] == "message,'=cmd()"


def test_table_shows_escapes_and_no_markup() -> None:
    out = io.StringIO()
    render([{"symbol": f"{ESC}[31mRED", "note": "[bold red]x[/] :smile:"}], "table", out=out)
    text = out.getvalue()
    assert ESC not in text
    assert "\\x1b[31mRED" in text
    assert "[bold red]x[/] :smile:" in text  # literal: rich markup and emoji codes not applied


def test_table_title_and_object_are_sanitised() -> None:
    out = io.StringIO()
    render([{"a": "1"}], "table", out=out, title=f"T{ESC}]0;x")
    render_object({"reason": "ok\x9b2J"}, "table", out=out)
    assert ESC not in out.getvalue() and "\x9b" not in out.getvalue()


def test_error_messages_are_sanitised(capsys: pytest.CaptureFixture[str]) -> None:
    error = KrakenError(f"EGeneral:{ESC}[2Jgone\rok", hint=f"hint{ESC}[0m")
    report_error(error, AppState(format="jsonl"))
    err = capsys.readouterr().err
    assert ESC not in err and "\r" not in err
    assert "krx: error: EGeneral:\\x1b[2Jgone\\x0dok" in err
    assert '"message": "EGeneral:\\u001b[2Jgone\\rok"' in err  # the JSON object stays exact
