"""Every market reply parses into its record or raises ProtocolError (exit 6): never fewer rows.

Bodies are the real samples with one thing broken each (wrong type, null result, missing pair
key, NaN/huge numbers, negative times), and Trades pages whose cursor sticks or goes backwards.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from market_samples import NOW, SampleHandler, body_for, mock_spot, sample

from kraken_cli.cli.app import run
from kraken_cli.cli.exit_codes import exit_code_for
from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.spot_public import TradesPage
from kraken_cli.errors import ProtocolError
from kraken_cli.models.market import parse_trade_row
from kraken_cli.services.market import Window
from kraken_cli.services.market.futures import FuturesMarketData
from kraken_cli.services.market.paging import page_trades
from kraken_cli.services.market.spot import SpotMarketData
from tests.futures.helpers import Router, sample_text

Patch = Callable[[dict[str, Any]], Any]


def spot_with(method: str, patch: Patch) -> SpotMarketData:
    """A spot service whose ``method`` reply is the sample body passed through ``patch``."""

    def handler(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode())
        body = copy.deepcopy(body_for(request.url.path, query))
        if request.url.path.endswith("/" + method):
            body = patch(body)
        return httpx.Response(200, content=json.dumps(body).encode())

    return mock_spot(handler)[0]


def _result(value: Any) -> Patch:
    return lambda body: {"error": [], "result": value}


def _trade_field(index: int, value: Any) -> Patch:
    def patch(body: dict[str, Any]) -> dict[str, Any]:
        body["result"]["BTC/USD"][0][index] = value
        return body

    return patch


SPOT_CASES: dict[str, tuple[str, Patch, Callable[[SpotMarketData], Any]]] = {
    "trades null result": ("Trades", _result(None), lambda s: list(s.trades("BTCUSD"))),
    "trades no pair key": (
        "Trades",
        _result({"last": "1790359841138228746"}),
        lambda s: list(s.trades("BTCUSD")),
    ),
    "trades rows not a list": (
        "Trades",
        _result({"BTC/USD": {"a": 1}, "last": "1"}),
        lambda s: list(s.trades("BTCUSD")),
    ),
    "trades NaN price": ("Trades", _trade_field(0, "NaN"), lambda s: list(s.trades("BTCUSD"))),
    "trades huge volume": ("Trades", _trade_field(1, "1e400"), lambda s: list(s.trades("BTCUSD"))),
    "trades negative time": ("Trades", _trade_field(2, -5), lambda s: list(s.trades("BTCUSD"))),
    "trades bool id": ("Trades", _trade_field(6, True), lambda s: list(s.trades("BTCUSD"))),
    "trades no cursor": (
        "Trades",
        lambda b: {"error": [], "result": {"BTC/USD": b["result"]["BTC/USD"]}},
        lambda s: list(s.trades("BTCUSD")),
    ),
    "ohlc wrong type": (
        "OHLC",
        _result({"XXBTZUSD": [[1, "a", "b"]], "last": 1}),
        lambda s: list(s.candles("BTCUSD", "h1")),
    ),
    "ohlc negative last": (
        "OHLC",
        lambda b: b | {"result": b["result"] | {"last": -1}},
        lambda s: list(s.candles("BTCUSD", "h1")),
    ),
    "depth book not an object": (
        "Depth",
        _result({"XXBTZUSD": [1, 2]}),
        lambda s: s.orderbook("BTCUSD", 3),
    ),
    "depth infinite price": (
        "Depth",
        lambda b: _first_book_price(b, "Infinity"),
        lambda s: s.orderbook("BTCUSD", 3),
    ),
    "ticker null result": ("Ticker", _result(None), lambda s: s.ticker(["BTCUSD"])),
    "ticker missing pair": (
        "Ticker",
        _result({"XETHZUSD": {}, "XLTCZUSD": {}}),
        lambda s: s.ticker(["BTCUSD"]),
    ),
    "ticker NaN last": (
        "Ticker",
        lambda b: _ticker_last(b, "NaN"),
        lambda s: s.ticker(["BTCUSD"]),
    ),
    "time text": ("Time", _result({"unixtime": "soon"}), lambda s: s.status()),
    "time negative": ("Time", _result({"unixtime": -1}), lambda s: s.status()),
    "asset pairs bad precision": (
        "AssetPairs",
        lambda b: _first_entry(b, "pair_decimals", "many"),
        lambda s: s.symbols(),
    ),
    "asset pairs entry not an object": (
        "AssetPairs",
        _result({"XXBTZUSD": "x"}),
        lambda s: s.symbols(),
    ),
}


def _first_entry(body: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    next(iter(body["result"].values()))[key] = value
    return body


def _first_book_price(body: dict[str, Any], value: str) -> dict[str, Any]:
    book = next(iter(body["result"].values()))
    book["bids"][0][0] = value
    return body


def _ticker_last(body: dict[str, Any], value: str) -> dict[str, Any]:
    entry = next(iter(body["result"].values()))
    entry["c"][0] = value
    return body


@pytest.mark.parametrize("case", sorted(SPOT_CASES))
def test_malformed_spot_reply_is_a_protocol_error(case: str) -> None:
    method, patch, call = SPOT_CASES[case]
    with pytest.raises(ProtocolError) as info:
        call(spot_with(method, patch))
    assert exit_code_for(info.value) == 6
    assert "malformed reply from" in info.value.message


# --- trades paging -----------------------------------------------------------------------------


def _row(tid: int, t: str) -> list[Any]:
    return ["100.0", "1.0", Decimal(t), "b", "l", "", tid]


def _pages(pages: dict[str, tuple[list[list[Any]], str]]) -> Callable[[str], TradesPage]:
    def fetch(cursor: str) -> TradesPage:
        rows, last = pages[cursor]
        return TradesPage([parse_trade_row(r, "X/Y") for r in rows], last)

    return fetch


PAGING_CASES: dict[str, dict[str, tuple[list[list[Any]], str]]] = {
    "ids decrease in a page": {"10": ([_row(2, "10.1"), _row(1, "10.2")], "10200000000")},
    "times go back in a page": {"10": ([_row(1, "10.5"), _row(2, "10.2")], "10500000000")},
    "trade after the page's last": {"10": ([_row(1, "10.1"), _row(2, "19.0")], "10100000000")},
    "cursor goes backwards": {
        "10": ([_row(1, "10.1")], "10100000000"),
        "10100000000": ([_row(2, "10.2")], "10050000000"),
    },
    "cursor stuck with new trades": {
        "10": ([_row(1, "10.1")], "10100000000"),
        "10100000000": ([_row(1, "10.1"), _row(2, "10.1")], "10100000000"),
    },
    "new trade before the cursor": {
        "10": ([_row(1, "10.1"), _row(2, "12.0")], "12000000000"),
        "12000000000": ([_row(3, "10.5")], "13000000000"),
    },
    "cursor not a number": {"10": ([_row(1, "10.1")], "soon")},
}


@pytest.mark.parametrize("case", sorted(PAGING_CASES))
def test_broken_trades_paging_is_a_protocol_error(case: str) -> None:
    with pytest.raises(ProtocolError):
        list(page_trades(_pages(PAGING_CASES[case]), since=Decimal(10)))


def test_paging_that_never_ends_is_an_error_not_a_hang() -> None:
    def fetch(cursor: str) -> TradesPage:
        n = int(cursor) // 10**9 if len(cursor) > 2 else int(cursor)
        return TradesPage([parse_trade_row(_row(n, f"{n}.5"), "X/Y")], f"{n + 1}000000000")

    with pytest.raises(ProtocolError, match="after 5 pages"):
        list(page_trades(fetch, since=Decimal(10), max_pages=5))


def test_repeated_head_page_ends_without_error() -> None:
    pages = {
        "10": ([_row(1, "10.1"), _row(2, "10.2")], "10200000000"),
        "10200000000": ([_row(2, "10.2")], "10200000000"),
    }
    got = [t.trade_id for t in page_trades(_pages(pages), since=Decimal(10))]
    assert got == [1, 2]


# --- futures -----------------------------------------------------------------------------------


def futures_with(name: str, body: Any) -> FuturesMarketData:
    router = Router()
    base = "/derivatives/api/v3/"
    router.add(base + "instruments", sample_text("futures-rest-instruments.json"))
    router.add(base + name, body if callable(body) else json.dumps(body))
    client = FuturesRest("https://futures.test", None, transport=httpx.MockTransport(router))
    return FuturesMarketData(client, wall=lambda: NOW)


def _history_row(t: str, tid: int) -> dict[str, Any]:
    return {"time": t, "trade_id": tid, "price": 1.5, "size": 1, "side": "buy", "type": "fill"}


FUTURES_CASES: dict[str, tuple[str, Any, Callable[[FuturesMarketData], Any]]] = {
    "ticker without symbol": (
        "tickers",
        {"result": "success", "tickers": [{"bid": 1}]},
        lambda m: m.ticker(["PF_XBTUSD"]),
    ),
    "ticker bool price": (
        "tickers",
        {"result": "success", "tickers": [{"symbol": "PF_XBTUSD", "last": True}]},
        lambda m: m.ticker(["PF_XBTUSD"]),
    ),
    "ticker text price": (
        "tickers",
        {"result": "success", "tickers": [{"symbol": "PF_XBTUSD", "last": "cheap"}]},
        lambda m: m.ticker(["PF_XBTUSD"]),
    ),
    "book level malformed": (
        "orderbook",
        {"result": "success", "orderBook": {"bids": [[1]], "asks": []}},
        lambda m: m.orderbook("PF_XBTUSD"),
    ),
    "book not an object": (
        "orderbook",
        {"result": "success", "orderBook": []},
        lambda m: m.orderbook("PF_XBTUSD"),
    ),
    "trade without price": (
        "history",
        {"result": "success", "history": [{"time": "2024-05-03T13:05:43.974Z", "size": 1}]},
        lambda m: list(m.trades("PF_XBTUSD")),
    ),
    "trade bad time": (
        "history",
        {"result": "success", "history": [_history_row("yesterday", 1)]},
        lambda m: list(m.trades("PF_XBTUSD")),
    ),
    "trade newer than lastTime": (
        "history",
        {"result": "success", "history": [_history_row("2026-01-01T00:00:00.000Z", 1)]},
        lambda m: list(m.trades("PF_XBTUSD", Window(until=datetime(2025, 1, 1, tzinfo=UTC)))),
    ),
}


@pytest.mark.parametrize("case", sorted(FUTURES_CASES))
def test_malformed_futures_reply_is_a_protocol_error(case: str) -> None:
    name, body, call = FUTURES_CASES[case]
    with pytest.raises(ProtocolError):
        call(futures_with(name, body))


def test_futures_history_cursor_that_does_not_move_is_an_error() -> None:
    # every page holds one new trade exactly AT lastTime: the cursor can never move back
    calls: list[httpx.Request] = []

    def history(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        row = _history_row(parse_qs(request.url.query.decode())["lastTime"][0], len(calls))
        row["uid"] = f"u{len(calls)}"
        return httpx.Response(200, text=json.dumps({"result": "success", "history": [row]}))

    md = futures_with("history", history)
    since = Window(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, 0, 0, 10, tzinfo=UTC))
    with pytest.raises(ProtocolError, match="stuck"):
        list(md.trades("PF_XBTUSD", since))


def test_futures_charts_without_progress_is_an_error() -> None:
    router = Router()
    old = {"time": 1_000_000_000_000, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1}
    router.add(
        "/api/charts/v1/trade/PF_XBTUSD/1h",
        json.dumps({"candles": [old], "more_candles": True}),
    )
    client = FuturesRest("https://futures.test", None, transport=httpx.MockTransport(router))
    md = FuturesMarketData(client, wall=lambda: NOW)
    with pytest.raises(ProtocolError, match="progress"):
        list(md.candles("PF_XBTUSD", "h1", Window(datetime(2026, 1, 1, tzinfo=UTC))))


def test_real_samples_still_parse() -> None:
    assert sample("rest-public-Trades-pair-BTC-USD.json")["result"]["BTC/USD"]
    md = spot_with("Trades", lambda b: b)
    assert len(list(md.trades("BTCUSD"))) == 3


# --- the command line: exit 6, no partial output -------------------------------------------------


class _BrokenTrades(SampleHandler):
    """The sample server, but every ``Trades`` page claims a cursor before its own trades."""

    def do_GET(self) -> None:
        if "/Trades" not in self.path:
            return super().do_GET()
        body = sample("rest-public-Trades-pair-BTC-USD.json")
        body["result"]["last"] = "1"
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        return None


def test_cli_exits_6_and_prints_no_rows(
    isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BrokenTrades)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(
        "kraken_cli.services.market.spot.PublicPacer", lambda rate, **_: PublicPacer(0)
    )
    monkeypatch.setenv("KRX_REST_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        code = run(["--format", "jsonl", "trades", "BTCUSD", "--since", "1790359840"])
    finally:
        server.shutdown()
        server.server_close()
    out, err = capsys.readouterr()
    assert code == 6 and out == ""
    assert "krx: error: malformed reply from Trades: trade 109118758 is after" in err
