"""``krx watch`` views drawn by rich's recording console at 80 and 160 columns: numbers whole."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from kraken_cli.output.watch import views
from kraken_cli.output.watch.screen import WatchScreen
from kraken_cli.services.stream.records import ticker_record, trade_record

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
WIDTHS = (80, 160)


def _sample_lines(name: str) -> list[dict[str, Any]]:
    text = (SAMPLES / name).read_text()
    rows = json.loads(
        text, parse_float=str
    )  # the wire's exact decimal text, as the stream keeps it
    return rows if isinstance(rows, list) else [rows]


def _book() -> dict[str, Any]:
    """The documented MATIC/USD snapshot as the stream writes it (levels as [price, qty])."""
    snapshot = next(m for m in _sample_lines("ws-v2-book-docs-example.json") if m.get("data"))
    data = snapshot["data"][0]
    return {
        "channel": "book",
        "symbol": data["symbol"],
        "type": "snapshot",
        "time": data["timestamp"],
        "bids": [[lv["price"], lv["qty"]] for lv in data["bids"]],
        "asks": [[lv["price"], lv["qty"]] for lv in data["asks"]],
        "checksum": data["checksum"],
    }


def _tickers() -> list[dict[str, Any]]:
    real = ticker_record(_sample_lines("ws-v2-ticker.json")[0]["data"][0])
    doge = real | {
        "symbol": "DOGE/USD", "bid": "0.1492249", "ask": "0.1492251", "last": "0.1492215",
        "change": "0.0021753", "change_pct": "1.48", "volume_24h": "123456789.12345678",
    }  # fmt: skip
    return [real, doge]


def _trades() -> list[dict[str, Any]]:
    wire = _sample_lines("ws-v2-trade.json")[0]["data"][0]
    buy = trade_record(
        wire["symbol"], wire["trade_id"], wire["timestamp"], wire["price"], wire["qty"],
        wire["side"], wire["ord_type"],
    )  # fmt: skip
    sell = buy | {"trade_id": buy["trade_id"] + 1, "side": "sell", "volume": "12.34567890"}
    return [buy, sell]


def _draw(screen: WatchScreen, width: int, height: int = 30) -> str:
    console = Console(
        file=io.StringIO(), width=width, height=height, record=True, force_terminal=True
    )
    console.print(screen)
    return console.export_text(styles=False)


def _numbers(records: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for record in records:
        for key, value in record.items():
            if key in ("bids", "asks"):
                found.update(str(x) for level in value[:5] for x in level)
            elif isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value):
                found.add(value)
    return found


def _assert_whole(text: str, numbers: set[str], width: int) -> None:
    assert all(len(line) <= width for line in text.splitlines())
    tokens = {token.lstrip("+-") for token in re.findall(r"[-+]?\d[\d.]*", text)}
    for number in numbers:
        assert number.lstrip("-") in tokens, number  # whole: the same run of digits, unbroken


@pytest.mark.parametrize("width", WIDTHS)
def test_book_ladder_keeps_every_price_and_volume_whole(width: int) -> None:
    book = _book()
    screen = WatchScreen("book", levels=5, title="krx watch book MATICUSD")
    screen.write(book)
    text = _draw(screen, width)
    _assert_whole(text, _numbers([book]), width)
    # spread and mid of the best levels, exact: 0.5668 - 0.5666, (0.5668 + 0.5666) / 2
    assert "mid 0.5667  spread 0.0002 (3.53 bp)" in text
    assert "checksum 2439117997" in text
    # cumulative depth of the bids: 4831.75496356 + 6658.22734739
    assert "11489.98231095" in text
    lines = text.splitlines()
    best_ask = next(i for i, line in enumerate(lines) if line.startswith("0.5668 "))
    best_bid = next(i for i, line in enumerate(lines) if line.startswith("0.5666 "))
    assert best_ask < best_bid  # asks above the spread, bids below
    assert "spread" in lines[best_ask + 1]


def test_two_books_side_by_side_at_160_and_stacked_at_80() -> None:
    book = _book()
    screen = WatchScreen("book", levels=3, title="t")
    screen.write(book)
    screen.write(book | {"symbol": "MATIC/EUR"})
    wide = _draw(screen, 160)
    assert any("MATIC/USD" in line and "MATIC/EUR" in line for line in wide.splitlines())
    narrow = _draw(screen, 80)
    assert not any("MATIC/USD" in line and "MATIC/EUR" in line for line in narrow.splitlines())
    _assert_whole(narrow, {"4831.75496356", "0.5668"}, 80)


def test_short_terminal_shows_fewer_levels() -> None:
    screen = WatchScreen("book", levels=10, title="t")
    screen.write(_book())
    text = _draw(screen, 80, height=12)
    assert len(text.splitlines()) <= 12
    assert "0.5666" in text and "0.5668" in text  # the best levels stay


@pytest.mark.parametrize("width", WIDTHS)
def test_ticker_board_shows_24h_change_and_keeps_numbers_whole(width: int) -> None:
    tickers = _tickers()
    screen = WatchScreen("ticker", title="t")
    for record in tickers:
        screen.write(record)
    text = _draw(screen, width)
    shown = {n for n in _numbers(tickers) if n in text}
    _assert_whole(text, shown, width)
    assert "-0.51%" in text and "+1.48%" in text and "-429.3" in text and "+0.0021753" in text
    assert {"83744.3", "0.1492215"} <= shown  # the last prices
    if width == 80:
        assert "wider terminal for:" in text  # columns left out are named, never cut
    else:
        assert "123456789.12345678" in text and "wider terminal" not in text


@pytest.mark.parametrize("no_color", [False, True])
def test_ticker_change_is_coloured_by_direction(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    screen = WatchScreen("ticker", title="t")
    for record in _tickers():
        screen.write(record)
    out = io.StringIO()
    Console(file=out, width=120, force_terminal=True, color_system="standard").print(screen)
    styled = out.getvalue()
    red = re.search(r"\x1b\[31m\s*-0\.51%", styled)  # down: red
    green = re.search(r"\x1b\[32m\s*\+1\.48%", styled)  # up: green
    assert (red is None and green is None) if no_color else (red and green)
    assert "-0.51%" in styled


@pytest.mark.parametrize("width", WIDTHS)
def test_trade_tape_newest_first_coloured_by_side(width: int) -> None:
    trades = _trades()
    screen = WatchScreen("trades", title="t")
    for trade in trades:
        screen.write(trade)
    text = _draw(screen, width)
    _assert_whole(text, _numbers(trades), width)
    lines = text.splitlines()
    sell = next(i for i, line in enumerate(lines) if " sell " in line)
    buy = next(i for i, line in enumerate(lines) if " buy " in line)
    assert sell < buy  # newest first
    assert "17:48:26.844" in text


def test_events_show_on_the_status_line() -> None:
    screen = WatchScreen("trades", title="t")
    assert "waiting for the first trade" in _draw(screen, 80)
    screen.write(_trades()[0])
    screen.write({"channel": "heartbeat"})  # not for this view: ignored
    assert screen.status == "live · 1 updates"
    screen.write_event({"event": "reconnect", "reason": "timeout\x1b[2J"})
    assert screen.status == "reconnect timeout\\x1b[2J"  # server text shown, never obeyed
    assert "reconnect timeout" in _draw(screen, 80)


@pytest.mark.parametrize("width", [40, 50, 60, 70, 80, 100])
def test_boards_use_the_width_they_have_and_no_more(width: int) -> None:
    screen = WatchScreen("ticker", title="t")
    for record in _tickers():
        screen.write(record)
    lines = _draw(screen, width).splitlines()
    table = [line for line in lines[1:] if not line.startswith(("(", "live"))]
    assert max(len(line) for line in table) <= width
    assert "-0.51%" in "".join(table)  # last and 24h % stay at any of these widths


def test_signed_changes() -> None:
    assert views._signed("1.5") == "+1.5"
    assert views._signed("-1") == "-1"
    assert views._signed("0.00") == "0.00"


def test_mid_keeps_the_pair_precision_and_half_ticks() -> None:
    assert views._price(Decimal("0.56670"), 4) == "0.5667"
    assert views._price(Decimal("64349.95"), 1) == "64349.95"
    assert views._price(Decimal("64350"), 1) == "64350.0"
