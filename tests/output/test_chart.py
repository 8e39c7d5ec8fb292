"""``krx candles --chart``: 80 columns, exact axis labels, plain text off a terminal."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kraken_cli.output.chart import candle_chart, write_chart

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _candles(count: int, *, hours: int = 1) -> list[dict[str, Any]]:
    start = datetime(2026, 11, 28, 15, tzinfo=UTC)
    rows = []
    price = Decimal("64678.6")
    for i in range(count):
        step = Decimal((i * 37) % 23 - 11) * Decimal("10.3")
        close = price + step
        rows.append(
            {
                "symbol": "BTC/USD",
                "time": (start + timedelta(hours=i * hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "open": f"{price:f}",
                "high": f"{max(price, close) + Decimal('20.1'):f}",
                "low": f"{min(price, close) - Decimal('15.2'):f}",
                "close": f"{close:f}",
                "vwap": f"{price:f}",
                "volume": f"{Decimal(i % 7 + 1) * Decimal('1.23456789'):f}",
                "count": 10 + i,
            }
        )
        price = close
    return rows


def test_chart_fits_80_columns_with_exact_axis_labels() -> None:
    rows = _candles(48)
    text = candle_chart(rows, title="BTC/USD h1", width=80, height=24, color=False)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert len(lines) <= 24
    assert "BTC/USD h1 · 2026-11-28 15:00 – 2026-11-30 14:00 UTC" in lines[0]
    assert "volume" in text
    assert not ANSI.search(text)
    highest = max(Decimal(r["high"]) for r in rows)
    lowest = min(Decimal(r["low"]) for r in rows)
    assert re.search(rf"^ *{highest:f}┤", text, re.M)  # the top tick is the highest high, exact
    assert re.search(rf"^ *{lowest:f}┤", text, re.M)
    top_volume = max(Decimal(r["volume"]) for r in rows).quantize(Decimal("0.0001"))
    assert re.search(rf"^ *{top_volume:f}┤", text, re.M)
    assert "11-28 15:00" in text  # time labels under the volume panel
    frames = [line.index("┤") for line in lines if "┤" in line]
    assert len(set(frames)) == 1  # price and volume axes line up


def test_too_many_candles_keeps_the_latest_and_says_so() -> None:
    rows = _candles(168)
    text = candle_chart(rows, title="BTC/USD h1", width=80, height=24, color=False)
    match = re.search(r"last (\d+) of 168", text)
    assert match and 40 <= int(match.group(1)) < 168
    assert all(len(line) <= 80 for line in text.splitlines())
    assert rows[-1]["time"][5:10] in text or rows[-int(match.group(1))]["time"][5:10] in text


def test_daily_candles_are_labelled_by_date() -> None:
    rows = _candles(10, hours=24)
    for row in rows:
        row["time"] = row["time"][:10] + "T00:00:00Z"
    text = candle_chart(rows, title="BTC/USD day", width=80, height=20, color=False)
    assert "2026-11-28" in text and "00:00" not in text


def test_colour_marks_up_and_down_candles() -> None:
    text = candle_chart(_candles(20), title="t", width=80, height=24, color=True)
    assert "\x1b[38;5;2m" in text and "\x1b[38;5;1m" in text  # green up, red down


@pytest.mark.parametrize("columns", ["80", "120"])
def test_write_chart_off_a_terminal_is_plain_at_columns(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("LINES", "24")
    out = io.StringIO()
    write_chart(_candles(30), title="BTC/USD h1", out=out)
    text = out.getvalue()
    assert not ANSI.search(text)
    assert max(len(line) for line in text.splitlines()) == int(columns)
