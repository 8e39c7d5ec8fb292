"""Every table view at 80 and 160 columns (rich recording console): numbers whole, cells on one
line, and a marker naming each column left out; records come from real Kraken samples."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from kraken_cli.models.account import Names
from kraken_cli.models.account_spot import parse_orders
from kraken_cli.models.figures import change_record, depth_records, ticker_change
from kraken_cli.models.futures_market import parse_futures_ticker
from kraken_cli.models.market import (
    OrderBook,
    parse_book_side,
    parse_ohlc_row,
    parse_ticker,
    parse_trade_row,
)
from kraken_cli.output import columns as cols
from kraken_cli.output.cells import cell_text, plain
from kraken_cli.output.render import render
from kraken_cli.output.table import render_table

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(), parse_float=str)  # as the clients parse


def _tickers() -> list[dict[str, Any]]:
    spot = [
        parse_ticker(_sample(name)["result"][key], symbol)
        for name, key, symbol in (
            ("rest-public-Ticker.json", "XBTUSDT", "BTC/USDT"),
            ("rest-public-Ticker-docs-example.json", "XXBTZUSD", "BTC/USD"),
        )
    ]
    return [t.to_record() | change_record(ticker_change(t)) for t in spot]


def _futures_tickers() -> list[dict[str, Any]]:
    rows = [parse_futures_ticker(t) for t in _sample("futures-rest-tickers.json")["tickers"][:4]]
    return [t.to_record() | change_record(ticker_change(t)) for t in rows]


def _book() -> list[dict[str, Any]]:
    raw = _sample("rest-public-Depth.json")["result"]["XXBTZUSD"]
    book = OrderBook("BTC/USD", parse_book_side(raw["bids"]), parse_book_side(raw["asks"]), 1)
    return depth_records(book)


def _orders() -> list[dict[str, Any]]:
    table = _sample("rest-private-OpenOrders.json")["result"]["open"]
    return [order.to_record() for order in parse_orders(table, Names())]


def _trades() -> list[dict[str, Any]]:
    rows = _sample("rest-public-Trades.json")["result"]["XXBTZUSD"]
    return [parse_trade_row(row, "BTC/USD").to_record() for row in rows]


def _symbols() -> list[dict[str, Any]]:
    names = ("key", "altname", "wsname", "base", "quote", "pair_decimals", "lot_decimals")
    rows = []
    for key, raw in _sample("rest-public-AssetPairs.json")["result"].items():
        values = (key, raw["altname"], raw["wsname"], raw["base"], raw["quote"], 1, 8)
        extra = {"cost_decimals": 5, "tick_size": raw.get("tick_size"), "ordermin": raw["ordermin"]}
        rows.append({"symbol": raw["wsname"], **dict(zip(names, values, strict=True)), **extra})
    return rows


def _candles() -> list[dict[str, Any]]:
    rows = _sample("rest-public-OHLC.json")["result"]
    key = next(k for k in rows if k != "last")
    return [parse_ohlc_row(row, "BTC/USD").to_record() for row in rows[key][:5]]


def _balances() -> list[dict[str, Any]]:
    raw = _sample("rest-private-Balance.json")["result"]
    return [
        {"asset": a, "balance": v, "hold": "0", "available": v, "asset_id": a}
        for a, v in raw.items()
    ]


VERIFY_ROWS = [
    {
        "check": "clock skew",
        "ok": True,
        "detail": "local clock behind Kraken by 0.290 s (±0.502 s, round-trip corrected)",
        "warning": False,
        "required": True,
    },
    {"check": "Query Ledger", "ok": False, "detail": "EGeneral:Permission denied", "warning": False,
     "required": True},
]  # fmt: skip

#: name -> (records, the command's column spec, its table view)
VIEWS: dict[str, tuple[list[dict[str, Any]], Sequence[str] | None, cols.TableView]] = {
    "ticker": (_tickers(), cols.TICKER, cols.TICKER_VIEW),
    "ticker futures": (
        _futures_tickers(),
        (*cols.TICKER, *cols.FUTURES_TICKER_EXTRA),
        cols.TICKER_VIEW,
    ),
    "orderbook": (_book(), cols.BOOK_LEVEL, cols.BOOK_VIEW),
    "account orders": (_orders(), cols.ORDER, cols.ORDER_VIEW),
    "trades": (_trades(), cols.TRADE, cols.TRADE_VIEW),
    "candles": (_candles(), cols.CANDLE, cols.CANDLE_VIEW),
    "symbols": (_symbols(), None, cols.SYMBOL_VIEW),
    "account balance": (_balances(), cols.BALANCE, cols.BALANCE_VIEW),
}


def _draw(rows: list[dict[str, Any]], width: int, **options: Any) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), force_terminal=True)
    render_table([plain(r) for r in rows], console, **options)
    return console.export_text(styles=False)


def _header(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def _body(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("│")]
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in lines]


def _assert_reads(text: str, rows: list[dict[str, Any]], width: int) -> list[str]:
    """Assert every line fits, each row is one line of whole cells; return the hidden keys."""
    assert all(len(line) <= width for line in text.splitlines()), text
    shown = _header(text)
    body = _body(text)
    assert len(body) == len(rows), text  # no cell wrapped onto a second line
    for row, cells in zip(rows, body, strict=True):
        expected = [cell_text(plain(row.get(key))) for key in shown]
        assert cells == expected, text
    hidden = [key for key in rows[0] if key not in shown]
    flat = " ".join(text.split())
    if hidden:
        assert f"{len(hidden)} column" in flat and "hidden" in flat and "--columns" in flat
        for key in hidden:
            assert key in flat
    else:
        assert "hidden" not in flat
    return hidden


@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("name", list(VIEWS))
def test_view_reads_at_width(name: str, width: int) -> None:
    rows, spec, view = VIEWS[name]
    text = _draw(rows, width, columns=spec, view=view)
    hidden = _assert_reads(text, rows, width)
    assert set(view.hide) & set(rows[0]) <= set(hidden)
    numbers = [c for c in _body(text)[0] if _NUMBER.match(c)]
    assert numbers, "each view shows figures"


def test_narrow_terminal_leaves_columns_out_for_width_and_says_so() -> None:
    rows, spec, view = VIEWS["ticker"]
    wide = _assert_reads(_draw(rows, 160, columns=spec, view=view), rows, 160)
    narrow = _assert_reads(_draw(rows, 80, columns=spec, view=view), rows, 80)
    assert set(narrow) > set(wide)
    assert {"symbol", "last", "change_pct"} <= set(
        _header(_draw(rows, 80, columns=spec, view=view))
    )


def test_symbols_and_orders_are_not_cut_at_160() -> None:
    rows, spec, view = VIEWS["symbols"]
    hidden = _assert_reads(_draw(rows, 160, columns=spec, view=view), rows, 160)
    assert set(hidden) == set(view.hide) & set(rows[0])
    rows, spec, view = VIEWS["account orders"]
    hidden = _assert_reads(_draw(rows, 160, columns=spec, view=view), rows, 160)
    assert set(hidden) == set(view.hide) & set(rows[0])


def test_picked_columns_are_exactly_shown() -> None:
    rows, spec, view = VIEWS["ticker"]
    picked = ["last", "symbol", "vwap_24h"]
    out = io.StringIO()
    render(rows, "table", columns=spec, view=view, picked=picked, out=out)
    assert _header(out.getvalue()) == picked
    assert "hidden" not in out.getvalue()


def test_prose_wraps_but_figures_and_marks_stay_whole() -> None:
    text = _draw(VERIFY_ROWS, 80, columns=cols.VERIFY, view=cols.VERIFY_VIEW)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert _header(text)[:3] == ["check", "ok", "detail"]
    assert "required" not in _header(text)  # given up before the detail gets narrow
    assert "required" in " ".join(text.split()).split("hidden")[1]
    assert "0.290" in text and "±0.502" in text
    ok_cells = [cells[1] for cells in _body(text) if cells[1]]
    assert ok_cells == ["✓", "✗"]


def test_book_title_has_spread_and_mid_on_one_line() -> None:
    rows, spec, view = VIEWS["orderbook"]
    title = "BTC/USD  spread 87.10000 (28.71 bp)  mid 30340.55"
    narrow = _draw(rows, 40, columns=spec, view=view, title=title)
    assert title in narrow.splitlines()[0]  # wider than the table: still one line
    text = _draw(rows, 60, columns=spec, view=view, title=title)
    assert "symbol" not in _header(text) and "hidden" not in text  # said once, in the title


def test_a_repeated_first_column_goes_before_figures() -> None:
    rows, spec, view = VIEWS["candles"]
    text = _draw(rows, 80, columns=spec, view=view)
    assert _header(text)[0] == "time" and "volume" in _header(text)
    assert "symbol" in " ".join(text.split()).split("hidden")[1]


def _table_in(
    monkeypatch: pytest.MonkeyPatch, no_color: str | None, rows: list[dict[str, Any]]
) -> str:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "160")
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    out = Tty()
    render(rows, "table", columns=cols.BOOK_LEVEL, view=cols.BOOK_VIEW, out=out)
    return out.getvalue()


_COLOUR = re.compile(r"\x1b\[[0-9;]*3[1-7]m")  # a foreground colour (bold/dim are not colour)


def test_colour_has_meaning_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _table_in(monkeypatch, None, _book())
    assert "\x1b[32m" in text and "\x1b[31m" in text  # bids green, asks red


def test_no_color_turns_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _table_in(monkeypatch, "1", _book())
    assert not _COLOUR.search(text)
    assert "30297.00000" in text


def test_non_terminal_has_no_escape_codes() -> None:
    out = io.StringIO()
    render(_book(), "table", columns=cols.BOOK_LEVEL, view=cols.BOOK_VIEW, out=out)
    assert "\x1b" not in out.getvalue()


def test_other_formats_leave_table_figures_out_unless_picked() -> None:
    out = io.StringIO()
    render(_tickers()[:1], "jsonl", columns=cols.TICKER, view=cols.TICKER_VIEW, out=out)
    assert "change" not in json.loads(out.getvalue())
    out = io.StringIO()
    render(_tickers()[:1], "csv", view=cols.TICKER_VIEW, picked=["symbol", "change_pct"], out=out)
    assert out.getvalue().splitlines() == ["symbol,change_pct", "BTC/USDT,2.70"]


def test_stream_records_are_picked_live_and_books_refused() -> None:
    from kraken_cli.errors import UsageError
    from kraken_cli.output.sink import StdoutSink

    out = io.StringIO()
    sink = StdoutSink("jsonl", kind="trade", out=out, picked=["price", "side"])
    sink.write({"channel": "trade", "price": "1.0", "volume": "2", "side": "buy"})
    assert json.loads(out.getvalue()) == {"price": "1.0", "side": "buy"}
    with pytest.raises(UsageError, match="unknown column"):
        StdoutSink("csv", kind="trade", out=io.StringIO(), picked=["nope"]).write({"price": "1"})
    with pytest.raises(UsageError, match="whole books"):
        StdoutSink("jsonl", kind="book", out=io.StringIO(), picked=["price"])
