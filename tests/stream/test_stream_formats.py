"""``krx stream`` honours --format (jsonl, csv, table) or refuses it (exit 2), never ignores it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from kraken_cli.cli.app import run
from kraken_cli.config.settings import Settings
from kraken_cli.models.segment import Market
from kraken_cli.output.sink import Sink
from kraken_cli.services.stream import service
from kraken_cli.services.stream.service import Stream, StreamArgs

TRADES = [
    {
        "channel": "trade",
        "symbol": "BTC/USD",
        "trade_id": n,
        "time": "2026-01-02T03:04:05Z",
        "price": "100.5",
        "volume": "0.1",
        "side": "buy",
        "ord_type": "limit",
    }
    for n in (1, 2)
]
BOOK = {
    "channel": "book",
    "symbol": "BTC/USD",
    "type": "update",
    "time": "2026-01-02T03:04:05Z",
    "bids": [["100.0", "1"]],
    "asks": [["101.0", "0"]],
    "checksum": 9,
}


class FakeStream(Stream):
    """A prepared stream that writes fixed records (no network)."""

    def __init__(self, records: list[dict[str, Any]], seen: dict[str, Any]) -> None:
        self.records = records
        self.kinds = frozenset(r["channel"] for r in records)
        self.seen = seen

    def run(self, sink: Sink) -> int:
        self.seen["ran"] = True
        sink.write_event({"event": "reconnect", "attempt": 1})
        for record in self.records:
            sink.write(record)
        return len(self.records)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {"records": TRADES}

    def open_stream(settings: Settings, market: Market, args: StreamArgs) -> Stream:
        seen.update(market=market, args=args)
        return FakeStream(seen["records"], seen)

    monkeypatch.setattr(service, "open_stream", open_stream)
    yield seen


def krx(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["stream", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_is_jsonl_even_where_tables_are_the_default(
    fake: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kraken_cli.cli.app.default_format", lambda: "table")  # a terminal
    code, out, err = krx(capsys, "trades", "BTCUSD", "--count", "2")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == TRADES
    assert err.startswith('krx: event: {"event":"reconnect"')
    assert fake["market"] is Market.SPOT and fake["args"].count == 2


def test_format_csv_writes_a_header_then_rows(
    fake: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = krx(capsys, "trades", "BTCUSD", "--format", "csv")
    assert code == 0, err
    assert out.splitlines() == [
        "channel,symbol,trade_id,time,price,volume,side,ord_type",
        "trade,BTC/USD,1,2026-01-02T03:04:05Z,100.5,0.1,buy,limit",
        "trade,BTC/USD,2,2026-01-02T03:04:05Z,100.5,0.1,buy,limit",
    ]


def test_krx_format_env_is_honoured(
    fake: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRX_FORMAT", "table")
    code, out, err = krx(capsys, "trades", "BTCUSD")
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == list(TRADES[0]) and len(rows) == 2


def test_book_csv_is_one_row_per_level(
    fake: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    fake["records"] = [BOOK]
    code, out, err = krx(capsys, "book", "BTCUSD", "--format", "csv", "--updates")
    assert code == 0, err
    assert out.splitlines()[1:] == [
        "book,BTC/USD,update,2026-01-02T03:04:05Z,bid,100.0,1,9",
        "book,BTC/USD,update,2026-01-02T03:04:05Z,ask,101.0,0,9",
    ]


@pytest.mark.parametrize(
    ("records", "args", "needle"),
    [
        ([BOOK], ("book", "BTCUSD", "--format", "table"), "whole books"),
        (TRADES, ("trades", "BTCUSD", "--format", "json"), "--format jsonl"),
        (TRADES, ("trades", "BTCUSD", "--format", "csv", "--events"), "--events"),
        ([*TRADES, BOOK], ("--format", "csv"), "book, trade"),
    ],
)
def test_formats_a_stream_cannot_take_exit_2_before_streaming(
    fake: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    records: list[dict[str, Any]],
    args: tuple[str, ...],
    needle: str,
) -> None:
    fake["records"] = records
    code, out, err = krx(capsys, *args)
    assert code == 2
    assert out == "" and "ran" not in fake
    assert needle in err and "hint: " in err


def test_futures_goes_through_the_same_call(
    fake: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = krx(capsys, "trades", "PF_XBTUSD", "--market", "futures", "--levels", "3")
    assert code == 0, err
    assert fake["market"] is Market.FUTURES and fake["args"].levels == 3
