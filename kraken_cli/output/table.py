"""Terminal tables that read at any width: whole numbers, no wrapped cells, a marker for the rest.

Every cell keeps its natural width: a number is never split across lines or cut. When the
terminal is narrower than the table, columns are left out instead (a view's ``drop_first``, then
from the right) and the footer says which; only long free text (a verify detail) may wrap.
Values are coloured by meaning (:mod:`kraken_cli.output.style`) where colour is on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TextIO

from kraken_cli.output import style
from kraken_cli.output.cells import cell_text, columns_of
from kraken_cli.output.columns import TableView
from kraken_cli.output.sanitize import for_terminal

if TYPE_CHECKING:
    from rich.console import Console

#: Free text (words) longer than this may wrap, down to this width; nothing else ever does.
WRAP_WIDTH = 40
#: What rich adds around a table of n columns: a border and two padding spaces per column, + 1.
_PER_COLUMN = 3


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns a table shows, and the ones it leaves out (by default or for width)."""

    shown: list[str]
    hidden: list[str]


def table_console(out: TextIO) -> Console:
    """Return the console a table goes to: colour only on a terminal without ``NO_COLOR``."""
    from rich.console import Console

    colour = style.colour_enabled(out)
    console = Console(file=out, soft_wrap=False, no_color=not colour, highlight=False)
    if not console.is_terminal:
        # Piped or redirected: no width to fit, so never leave a column out.
        return Console(file=out, soft_wrap=False, no_color=True, width=1_000_000)
    return console


def render_table(
    rows: Sequence[Mapping[str, Any]],
    console: Console,
    *,
    columns: Sequence[str] | None = None,
    view: TableView | None = None,
    picked: bool = False,
    title: str | None = None,
) -> None:
    """Print ``rows`` as a table on ``console``; ``picked``: ``columns`` are exactly the user's."""
    from rich.table import Table
    from rich.text import Text

    if not rows:
        console.print("(no rows)", style=style.MUTED)
        return
    if picked:
        view = None  # the user's columns, in the user's order, all of them
    header = _order(columns_of(rows[0], columns), view)
    if view is not None and title is not None:
        header = [key for key in header if key not in view.in_title]
    texts = {key: [_cell(key, row.get(key)) for row in rows] for key in header}
    numeric = {key: _is_numeric(rows, key) for key in header}
    natural = {key: max(len(key), *(len(text) for text in texts[key])) for key in header}
    least = {key: _least_width(natural[key], _is_prose(texts[key])) for key in header}
    layout = fit(header, least, console.width, view=view)
    if title is not None:  # a line of its own: a table title would wrap at the table's width
        console.print(Text(for_terminal(title), style="table.title"), soft_wrap=True)
    table = Table(
        caption=_marker(layout.hidden),
        caption_justify="left",
        header_style=style.HEADER,
    )
    for key in layout.shown:
        rigid = least[key] == natural[key]
        table.add_column(
            Text(for_terminal(key)),
            justify="right" if numeric[key] else "left",
            no_wrap=rigid,
            overflow="fold",
            min_width=least[key],
        )
    for index, row in enumerate(rows):
        cells = (Text(texts[key][index], style=style.cell_style(key, row)) for key in layout.shown)
        table.add_row(*cells)
    console.print(table)


def fit(
    header: Sequence[str],
    least: Mapping[str, int],
    width: int,
    *,
    view: TableView | None,
    per_column: int = _PER_COLUMN,
    edge: int = 1,
) -> Layout:
    """Choose the columns that fit ``width`` whole: the view's ``drop_first`` go first, then
    from the right; the first column stays unless the view names it, one column always does.

    A table of n columns takes ``per_column`` columns each beyond its cells, plus ``edge``
    (the defaults: rich's bordered table; a borderless one with a gap of 2: 2 and -2).
    """
    hidden = [key for key in header if view is not None and key in view.hide]
    shown = [key for key in header if key not in hidden]
    for key in _drop_order(shown, view):
        if _table_width(shown, least, per_column, edge) <= width or len(shown) == 1:
            break
        shown.remove(key)
        hidden.append(key)
    return Layout(shown, hidden)


def _drop_order(shown: Sequence[str], view: TableView | None) -> list[str]:
    first = [key for key in (view.drop_first if view else ()) if key in shown]
    rest = [key for key in reversed(shown[1:]) if key not in first]
    return first + rest


def _table_width(shown: Sequence[str], least: Mapping[str, int], per_column: int, edge: int) -> int:
    return sum(least[key] for key in shown) + per_column * len(shown) + edge


def _order(header: list[str], view: TableView | None) -> list[str]:
    if view is None:
        return header
    lead = [key for key in view.lead if key in header]
    return lead + [key for key in header if key not in lead]


def _marker(hidden: Sequence[str]) -> str | None:
    if not hidden:
        return None
    names = ", ".join(hidden)
    count = f"{len(hidden)} column{'s' if len(hidden) > 1 else ''}"
    return f"… {count} hidden ({names}): choose with --columns"


def _cell(key: str, value: Any) -> str:
    if key == "ok" and isinstance(value, bool):
        return style.ok_mark(value)
    return for_terminal(cell_text(value))


def _least_width(natural: int, prose: bool) -> int:
    return min(natural, WRAP_WIDTH) if prose else natural


def _is_prose(texts: Sequence[str]) -> bool:
    """Whether a column holds words (it may wrap between them); ids, times, numbers never do."""
    return any(" " in text for text in texts)


def _is_numeric(rows: Sequence[Mapping[str, Any]], key: str) -> bool:
    seen = False
    for row in rows[:50]:
        value = row.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            return False
        if not isinstance(value, int | float | Decimal):
            try:
                Decimal(str(value))
            except (InvalidOperation, ValueError):
                return False
        seen = True
    return seen
