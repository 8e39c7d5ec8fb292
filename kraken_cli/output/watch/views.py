"""One frame of each ``krx watch`` view, drawn from stream records: pure, no I/O.

Numbers are the records' exact decimal text (or Decimal arithmetic on it) and are never split
or cut: number cells do not wrap, and a view that is too wide for the terminal leaves whole
columns out (and says which) instead of folding digits onto two lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from kraken_cli.models import figures
from kraken_cli.output import columns as cols
from kraken_cli.output import style
from kraken_cli.output import table as table_layout
from kraken_cli.output.sanitize import for_terminal

Record = Mapping[str, Any]
Level = Sequence[Any]  # [price, volume] as exact decimal text

#: Space between two table columns (rich's padding (0, 1) on both sides of a cell).
GAP = 2
#: The narrowest depth bar worth drawing next to a book ladder.
MIN_BAR = 4


# -- book ladder -----------------------------------------------------------------------------------
def book_ladder(record: Record, levels: int, width: int) -> RenderableType:
    """Draw a book as a ladder: asks above (best ask lowest), the spread, then bids."""
    bids = [_level(lv) for lv in (record.get("bids") or [])[:levels]]
    asks = [_level(lv) for lv in (record.get("asks") or [])[:levels]]
    top = figures.spread(Decimal(bids[0][0]), Decimal(asks[0][0])) if bids and asks else None
    bid_rows, ask_rows = _depth_rows(bids), _depth_rows(asks)
    cells = [row[:3] for row in ask_rows + bid_rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(_BOOK_HEAD)]
    bar_width = max(0, width - sum(widths) - GAP * len(widths))
    if bar_width < MIN_BAR:
        bar_width = 0
    table = _table()
    for head, size in zip(_BOOK_HEAD, widths, strict=True):
        table.add_column(head, justify="right", no_wrap=True, min_width=size)
    if bar_width:
        table.add_column("depth", no_wrap=True, width=bar_width)
    deepest = max([row[3] for row in ask_rows + bid_rows] or [Decimal(0)])
    for price, volume, cum, total in reversed(ask_rows):
        _ladder_row(table, (price, volume, cum), total, deepest, bar_width, style.ASK)
    spread = Text("—", style=style.MUTED) if top is None else Text(f"{top.spread:f}", style="bold")
    middle = [spread, Text("spread", style=style.MUTED), Text("")]
    table.add_row(*middle, *([Text("")] if bar_width else []))
    for price, volume, cum, total in bid_rows:
        _ladder_row(table, (price, volume, cum), total, deepest, bar_width, style.BID)
    return Group(_book_title(record, top, _places(bids + asks)), table)


_BOOK_HEAD = ("price", "volume", "cumulative")


def _level(level: Level) -> tuple[str, str]:
    return for_terminal(str(level[0])), for_terminal(str(level[1]))


def _depth_rows(levels: list[tuple[str, str]]) -> list[tuple[str, str, str, Decimal]]:
    """Return ``(price, volume, cumulative volume text, cumulative volume)`` per level."""
    totals = figures.cumulative(Decimal(volume) for _, volume in levels)
    return [(p, v, f"{t:f}", t) for (p, v), t in zip(levels, totals, strict=True)]


def _ladder_row(
    table: Table,
    numbers: tuple[str, str, str],
    total: Decimal,
    deepest: Decimal,
    bar: int,
    colour: str,
) -> None:
    cells: list[Text] = [Text(n, style=colour) for n in numbers]
    if bar:
        filled = int(total * bar / deepest) if deepest else 0
        cells.append(Text("█" * max(filled, 1), style=colour))
    table.add_row(*cells)


def _places(levels: list[tuple[str, str]]) -> int:
    """Return the price decimals of a book (its levels all have the pair's precision)."""
    price = levels[0][0] if levels else ""
    return len(price) - price.index(".") - 1 if "." in price else 0


def _book_title(record: Record, top: figures.Spread | None, places: int) -> Text:
    """Return the book's line: symbol, mid, spread (and in bp), the verified checksum."""
    title = Text(for_terminal(str(record.get("symbol", ""))), style="bold")
    if top is not None:
        mid, bps = _price(top.mid, places), top.spread_bps
        title.append(f"  mid {mid}  spread {top.spread:f}")
        title.append(f" ({bps:f} bp)" if bps is not None else "")
    checksum = record.get("checksum")
    if checksum is not None:
        title.append(f"  {style.ok_mark(True)} ", style=style.OK)
        title.append(f"checksum {checksum}", style=style.MUTED)
    return title


def _price(value: Decimal, places: int) -> str:
    """Return ``value`` with at least the pair's ``places`` and no needless trailing zeros."""
    text = f"{value.normalize():f}"
    decimals = len(text) - text.index(".") - 1 if "." in text else 0
    if decimals >= places:
        return text
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


# -- ticker board ----------------------------------------------------------------------------------
#: The ticker figures a board can show, in order (the table view says which go first for width).
TICKER_BOARD = (
    "symbol", "last", "change", "change_pct", "bid", "ask", "low_24h", "high_24h", "volume_24h",
    "vwap_24h", "trades_24h",
)  # fmt: skip
_TICKER_HEAD = {"change": "24h change", "change_pct": "24h %"}


def ticker_board(records: Sequence[Record], width: int) -> RenderableType:
    """Draw one row per symbol: last price and 24h change (up/down coloured), then the rest."""
    rows = [_ticker_cells(record) for record in records]
    header = [key for key in TICKER_BOARD if any(row.get(key) for row in rows)]
    layout = _fit(header, rows, width, cols.TICKER_BOARD_VIEW, _TICKER_HEAD)
    table = _table()
    for key in layout.shown:
        justify: JustifyMethod = "left" if key == "symbol" else "right"
        table.add_column(_TICKER_HEAD.get(key, key), justify=justify, no_wrap=True)
    for record, row in zip(records, rows, strict=True):
        moved = style.change_style(record.get("change_pct", record.get("change")))
        colours = {key: moved for key in ("last", "change", "change_pct")}
        table.add_row(*(Text(row.get(key, ""), style=colours.get(key, "")) for key in layout.shown))
    return Group(table, *_left_out_note(layout.hidden))


def _ticker_cells(record: Record) -> dict[str, str]:
    cells = {key: for_terminal(str(value)) for key, value in record.items() if value is not None}
    if "change_pct" in record:
        cells["change_pct"] = _signed(str(record["change_pct"])) + "%"
    if "change" in record:
        cells["change"] = _signed(str(record["change"]))
    return cells


# -- trade tape ------------------------------------------------------------------------------------
TAPE = ("time", "symbol", "side", "price", "volume", "ord_type", "trade_id")


def trade_tape(trades: Sequence[Record], rows: int, width: int, *, symbols: int) -> RenderableType:
    """Draw the newest ``rows`` trades, newest first, each coloured by its side."""
    newest = list(reversed(trades[-rows:])) if rows > 0 else []
    cells = [_trade_cells(trade) for trade in newest]
    header = [key for key in TAPE if key != "symbol" or symbols > 1]
    layout = _fit(header, cells, width, cols.TAPE_VIEW, {})
    table = _table()
    for key in layout.shown:
        justify: JustifyMethod = "right" if key in ("price", "volume", "trade_id") else "left"
        table.add_column(key, justify=justify, no_wrap=True)
    for trade, row in zip(newest, cells, strict=True):
        colour = style.side_style(trade.get("side"))
        table.add_row(*(Text(row.get(key, ""), style=colour) for key in layout.shown))
    return Group(table, *_left_out_note(layout.hidden))


def _trade_cells(trade: Record) -> dict[str, str]:
    cells = {key: for_terminal(str(value)) for key, value in trade.items() if value is not None}
    time = cells.get("time", "")
    cells["time"] = time[11:23] if len(time) >= 19 else time  # HH:MM:SS.mmm of the ISO text
    return cells


# -- shared ----------------------------------------------------------------------------------------
def _table() -> Table:
    """Return a borderless table whose columns are :data:`GAP` apart."""
    return Table(
        box=None, padding=(0, 1), pad_edge=False, show_edge=False, header_style=style.HEADER
    )


def _fit(
    header: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    width: int,
    view: cols.TableView,
    heads: Mapping[str, str],
) -> table_layout.Layout:
    """Return the columns of ``header`` that fit ``width`` whole (every cell at full width)."""
    least = {
        key: max([len(heads.get(key, key)), *(len(r.get(key, "")) for r in rows)]) for key in header
    }
    return table_layout.fit(header, least, width, view=view, per_column=GAP, edge=-GAP)


def _signed(text: str) -> str:
    """Return a decimal text with its sign shown (``+1.5``, ``-0.2``; zero stays ``0``)."""
    return text if text.startswith(("-", "+")) or not text.strip("0.") else "+" + text


def _left_out_note(left_out: Sequence[str]) -> list[Text]:
    if not left_out:
        return []
    return [Text(f"(wider terminal for: {', '.join(left_out)})", style=style.MUTED)]
