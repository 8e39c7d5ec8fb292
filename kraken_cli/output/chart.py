"""``krx candles --chart``: candles and their volume drawn in the terminal by plotext.

plotext draws from floats: they place marks on a grid of character cells, nothing more. The
numbers printed on the axes are computed from the candles' exact decimal text (Decimal) at
the pair's own precision, so a tick never reads ``64742.79999``. Both panels get axis labels
of one width, so the price and volume panels line up candle over bar.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TextIO

Record = Mapping[str, Any]

#: Price and volume panel rows, as shares of the chart's height (the volume panel's frame,
#: ticks and title take 4 rows of its own).
PRICE_SHARE = 0.7
#: Columns a y-axis label may take at most before the frame (prices like 100000.12345).
Y_TICKS = 5
#: Columns of the frame and its y-axis tick mark beyond the label ("┤" and "│").
FRAME_COLUMNS = 3
#: Fewest rows a chart is drawn in (two readable panels).
MIN_HEIGHT = 16
UP, DOWN = "green", "red"


def chart_width_for(records: Sequence[Record], width: int) -> int:
    """Return how many of the latest candles fit ``width`` columns (one column each)."""
    label = max((len(_price_text(r)) for r in records), default=8)
    return max(1, width - label - FRAME_COLUMNS)


def candle_chart(
    records: Sequence[Record], *, title: str, width: int, height: int, color: bool
) -> str:
    """Draw the latest candles that fit ``width`` (price panel over a volume panel) as text."""
    import plotext as plt

    height = max(height, MIN_HEIGHT)
    shown = list(records[-chart_width_for(records, width) :])
    if shown:
        title += f" · {_stamp(shown[0])} – {_stamp(shown[-1])} UTC"
    if len(shown) < len(records):
        title += f" · last {len(shown)} of {len(records)}"  # a wider terminal shows more
    xs = list(range(len(shown)))
    price_ticks, price_labels = _price_ticks(shown)
    volume_ticks, volume_labels = _volume_ticks(shown)
    label_width = max(len(text) for text in (*price_labels, *volume_labels))
    x_ticks, x_labels = _time_ticks(shown, width)
    price_rows = int(height * PRICE_SHARE)

    plt.main().clf()  # plotext keeps one global figure: start from a clean master figure
    plt.limitsize(False, False)  # the size asked for, not the size of the terminal plotext sees
    plt.plotsize(width, height)
    plt.subplots(2, 1)
    plt.subplot(1, 1).plotsize(width, price_rows)
    plt.theme("clear")
    plt.title(title)
    ohlc = {key.capitalize(): [float(r[key]) for r in shown] for key in _OHLC}
    plt.candlestick(xs, ohlc, colors=[UP, DOWN])
    plt.yticks(price_ticks, [text.rjust(label_width) for text in price_labels])
    plt.xlim(-1, len(shown))  # one x range for both panels: each bar under its candle
    plt.xticks(x_ticks, [""] * len(x_ticks))
    plt.subplot(2, 1).plotsize(width, height - price_rows)
    plt.theme("clear")
    plt.title("volume")
    colours = [UP if Decimal(r["close"]) >= Decimal(r["open"]) else DOWN for r in shown]
    plt.bar(xs, [float(r["volume"]) for r in shown], width=0.4, color=colours)
    plt.ylim(0, float(max(Decimal(r["volume"]) for r in shown)) if shown else 1.0)
    plt.yticks(volume_ticks, [text.rjust(label_width) for text in volume_labels])
    plt.xlim(-1, len(shown))
    plt.xticks(x_ticks, x_labels)
    text = str(plt.build())
    plt.main().clf()
    lines = [line.rstrip() for line in (text if color else plt.uncolorize(text)).splitlines()]
    return "\n".join(lines) + "\n"


_OHLC = ("open", "high", "low", "close")


def _price_text(record: Record) -> str:
    return str(record.get("high", ""))


def _stamp(record: Record) -> str:
    """Return a candle's start as ``YYYY-MM-DD HH:MM`` (the date alone at midnight)."""
    text = str(record.get("time", ""))[:16].replace("T", " ")
    return text[:10] if text.endswith(" 00:00") else text


def _decimals(texts: Sequence[str]) -> int:
    return max((len(t) - t.index(".") - 1 for t in texts if "." in t), default=0)


def _price_ticks(records: Sequence[Record]) -> tuple[list[float], list[str]]:
    """Return ``Y_TICKS`` evenly spaced prices from the lowest low to the highest high."""
    if not records:
        return [], []
    low = min(Decimal(r["low"]) for r in records)
    high = max(Decimal(r["high"]) for r in records)
    places = Decimal(1).scaleb(-_decimals([str(r["close"]) for r in records]))
    steps = Y_TICKS - 1
    values = [(low + (high - low) * i / steps).quantize(places) for i in range(Y_TICKS)]
    unique = sorted(set(values))
    return [float(v) for v in unique], [f"{v:f}" for v in unique]


def _volume_ticks(records: Sequence[Record]) -> tuple[list[float], list[str]]:
    """Return 0, half and the largest volume, at the volumes' precision (trimmed to 4 places)."""
    if not records:
        return [], []
    top = max(Decimal(r["volume"]) for r in records)
    places = Decimal(1).scaleb(-min(4, _decimals([str(r["volume"]) for r in records])))
    values = sorted({Decimal(0).quantize(places), (top / 2).quantize(places), top.quantize(places)})
    return [float(v) for v in values], [f"{v:f}" for v in values]


def _time_ticks(records: Sequence[Record], width: int) -> tuple[list[int], list[str]]:
    """Return about one time label per 20 columns: date and time, or the date for daily+."""
    if not records:
        return [], []
    times = [str(r["time"]) for r in records]
    intraday = any(t[11:16] != "00:00" for t in times)
    count = max(2, width // 20)
    step = max(1, -(-len(times) // count))
    positions = list(range(0, len(times), step))
    labels = [times[i][5:16].replace("T", " ") if intraday else times[i][:10] for i in positions]
    return positions, labels


#: The tallest chart drawn, however tall the terminal (a taller one is not easier to read).
MAX_HEIGHT = 50


def write_chart(records: Sequence[Record], *, title: str, out: TextIO) -> None:
    """Write the chart of ``records`` to ``out``, sized to its terminal (else 80x24, plain).

    Colour only on a terminal and without NO_COLOR; off a terminal the chart is plain text
    at ``COLUMNS``/``LINES`` or 80x24 (a file or a pager gets what the README shows).
    """
    import shutil

    is_terminal = _isatty(out)
    size = shutil.get_terminal_size((80, 24))
    height = min(size.lines - 2, MAX_HEIGHT) if is_terminal else size.lines
    color = is_terminal and not os.environ.get("NO_COLOR")
    out.write(candle_chart(records, title=title, width=size.columns, height=height, color=color))
    out.flush()


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
