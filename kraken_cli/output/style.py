"""Colour with meaning, defined once: bid/ask, buy/sell, ok/fail, up/down.

Every terminal view (tables, ``krx watch``) asks this module what a value means and gets a rich
style string back (``""``: no style); it imports nothing heavy, so a pure view can use it. Colour
is on only for a terminal and never when ``NO_COLOR`` is set (https://no-color.org: any
non-empty value). The ✓/✗ marks are text, not colour: they stay when colour is off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

BID = "green"
ASK = "red"
BUY = "green"
SELL = "red"
OK = "green"
FAIL = "bold red"
UP = "green"
DOWN = "red"
HEADER = "bold"
MUTED = "dim"

OK_MARK = "✓"
FAIL_MARK = "✗"

_SIDES = {"bid": BID, "ask": ASK, "buy": BUY, "sell": SELL, "b": BUY, "s": SELL}
#: Columns whose sign means up (positive) or down (negative).
CHANGE_COLUMNS = frozenset({"change", "change_pct", "pnl", "net", "upnl", "unrealized_pnl"})
#: Columns coloured like the row's ``side`` (a book level's price, a trade's price).
SIDED_COLUMNS = frozenset({"side", "price"})


def colour_enabled(stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    """Return whether ``stream`` gets colour: a terminal and no ``NO_COLOR``."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def side_style(side: object) -> str:
    """Return the style of a side: bid/buy green, ask/sell red, anything else none."""
    return _SIDES.get(str(side).lower(), "") if side is not None else ""


def change_style(value: object) -> str:
    """Return the style of a signed figure: up green, down red, zero or unknown none."""
    number = _decimal(value)
    if number is None or number == 0:
        return ""
    return UP if number > 0 else DOWN


def ok_mark(ok: bool) -> str:
    """Return ``✓`` or ``✗``."""
    return OK_MARK if ok else FAIL_MARK


def ok_style(ok: bool) -> str:
    """Return the style of a check's outcome."""
    return OK if ok else FAIL


def cell_style(column: str, record: Mapping[str, Any]) -> str:
    """Return the style of ``record[column]`` in a table: what the value means, or ``""``."""
    value = record.get(column)
    if column == "ok" and isinstance(value, bool):
        return ok_style(value)
    if column in CHANGE_COLUMNS:
        return change_style(value)
    if column in SIDED_COLUMNS:
        return side_style(record.get("side"))
    return ""


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
