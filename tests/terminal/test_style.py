"""Colour meaning: one table of what values mean, off for NO_COLOR and non-terminals."""

from __future__ import annotations

import io
from decimal import Decimal

from kraken_cli.output import style


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_needs_a_terminal_and_no_no_color() -> None:
    assert style.colour_enabled(_Tty(), {})
    assert not style.colour_enabled(_Tty(), {"NO_COLOR": "1"})
    assert not style.colour_enabled(io.StringIO(), {})
    assert style.colour_enabled(_Tty(), {"NO_COLOR": ""})  # no-color.org: non-empty only


def test_meaning_of_values() -> None:
    assert style.side_style("bid") == style.side_style("buy") == style.BID
    assert style.side_style("ASK") == style.side_style("sell") == style.ASK
    assert style.side_style(None) == style.side_style("other") == ""
    assert style.change_style("-0.5") == style.DOWN
    assert style.change_style(Decimal("2")) == style.UP
    assert style.change_style("0") == style.change_style("n/a") == ""
    assert (style.ok_mark(True), style.ok_mark(False)) == ("✓", "✗")


def test_cell_style_by_column() -> None:
    assert style.cell_style("ok", {"ok": False}) == style.FAIL
    assert style.cell_style("price", {"price": "1", "side": "ask"}) == style.ASK
    assert style.cell_style("change_pct", {"change_pct": "1.5"}) == style.UP
    assert style.cell_style("volume", {"volume": "1", "side": "ask"}) == ""
