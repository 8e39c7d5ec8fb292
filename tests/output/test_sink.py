"""The sink interface: stdout's formats (batch and live), events, refusals and write errors."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from typing import Any

import pytest

from kraken_cli.errors import OutputError, UsageError
from kraken_cli.output.render import render
from kraken_cli.output.sink import Sink, StdoutSink, check_stream_format
from tests.stream.fakes import ListSink

TRADE = {
    "channel": "trade",
    "symbol": "BTC/USD",
    "trade_id": 7,
    "time": "2026-01-02T03:04:05.123456Z",
    "price": "62919.2",
    "volume": "0.00860571",
    "side": "buy",
    "ord_type": "market",
}
BOOK = {
    "channel": "book",
    "symbol": "BTC/USD",
    "type": "snapshot",
    "time": "2026-01-02T03:04:05Z",
    "bids": [["100.0", "1.5"], ["99.5", "2.0"]],
    "asks": [["100.5", "0.1"]],
    "checksum": 123,
}


def sinks() -> list[Sink]:  # both satisfy the one protocol (mypy checks this list)
    return [ListSink(), StdoutSink("jsonl", out=io.StringIO())]


def live(fmt: str, kind: str, *records: Mapping[str, Any]) -> str:
    out = io.StringIO()
    sink = StdoutSink(fmt, kind=kind, out=out)
    for record in records:
        sink.write(record)
    sink.close()
    return out.getvalue()


def test_both_sinks_take_the_same_calls() -> None:
    for sink in sinks():
        assert sink.write_records([TRADE]) == 1
        sink.write(TRADE)
        sink.write_event({"event": "reconnect"})
        sink.close()


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_batch_is_what_render_writes(fmt: str) -> None:
    out, expected = io.StringIO(), io.StringIO()
    StdoutSink(fmt, out=out).write_records([TRADE, TRADE], ("symbol", "price"), title="t")
    render([TRADE, TRADE], fmt, columns=("symbol", "price"), out=expected, title="t")
    assert out.getvalue() == expected.getvalue()


def test_live_jsonl_is_the_compact_line() -> None:
    assert live("jsonl", "trade", TRADE) == (
        '{"channel":"trade","symbol":"BTC/USD","trade_id":7,"time":"2026-01-02T03:04:05.123456Z",'
        '"price":"62919.2","volume":"0.00860571","side":"buy","ord_type":"market"}\n'
    )


def test_live_csv_writes_the_header_once() -> None:
    extra = TRADE | {"trade_id": 8, "seq": 5}  # keys past the header are left out
    assert live("csv", "trade", TRADE, extra).splitlines() == [
        "channel,symbol,trade_id,time,price,volume,side,ord_type",
        "trade,BTC/USD,7,2026-01-02T03:04:05.123456Z,62919.2,0.00860571,buy,market",
        "trade,BTC/USD,8,2026-01-02T03:04:05.123456Z,62919.2,0.00860571,buy,market",
    ]


def test_live_csv_flattens_a_book_to_one_row_per_level() -> None:
    assert live("csv", "book", BOOK).splitlines() == [
        "channel,symbol,type,time,side,price,volume,checksum",
        "book,BTC/USD,snapshot,2026-01-02T03:04:05Z,bid,100.0,1.5,123",
        "book,BTC/USD,snapshot,2026-01-02T03:04:05Z,bid,99.5,2.0,123",
        "book,BTC/USD,snapshot,2026-01-02T03:04:05Z,ask,100.5,0.1,123",
    ]


def test_live_csv_neutralises_server_text() -> None:
    rows = live("csv", "trade", TRADE | {"symbol": "=HYPERLINK(1)", "price": "-1.5"})
    assert rows.splitlines()[1].startswith("trade,'=HYPERLINK(1),7,")
    assert ",-1.5," in rows


def test_live_table_aligns_and_never_cuts_a_number() -> None:
    longer = TRADE | {"price": "123456789.123456789", "symbol": f"X{chr(27)}[2J"}
    lines = live("table", "trade", TRADE, longer).splitlines()
    assert lines[0].split() == list(TRADE)
    assert lines[1].split()[4] == "62919.2"
    assert "123456789.123456789" in lines[2]  # wider than the column: the row grows
    assert "\x1b" not in lines[2] and "X\\x1b[2J" in lines[2]
    assert lines[0].index("price") + len("price") == lines[1].index("62919.2") + len("62919.2")


def test_events_go_to_stderr_or_stdout() -> None:
    out, err = io.StringIO(), io.StringIO()
    StdoutSink("jsonl", out=out, err=err).write_event({"event": "resync", "reason": "\x1b[2J"})
    assert out.getvalue() == ""
    assert err.getvalue() == 'krx: event: {"event":"resync","reason":"\\u001b[2J"}\n'
    StdoutSink("jsonl", out=out, events_to_stdout=True).write_event({"event": "gap"})
    assert out.getvalue() == '{"event":"gap"}\n'


@pytest.mark.parametrize(
    ("fmt", "kinds", "events", "needle"),
    [
        ("json", {"trade"}, False, "endless"),
        ("csv", {"trade"}, True, "--events"),
        ("csv", {"trade", "book"}, False, "book, trade"),
        ("table", {"instrument"}, False, "no flat table shape"),
        ("table", {"book"}, False, "whole books"),
    ],
)
def test_stream_formats_refused_with_a_hint(
    fmt: str, kinds: set[str], events: bool, needle: str
) -> None:
    with pytest.raises(UsageError) as info:
        check_stream_format(fmt, kinds, events_to_stdout=events)
    assert needle in info.value.message and info.value.hint


@pytest.mark.parametrize(
    ("fmt", "kinds"),
    [("jsonl", {"trade", "book", "instrument"}), ("csv", {"book"}), ("table", {"ohlc"})],
)
def test_stream_formats_accepted(fmt: str, kinds: set[str]) -> None:
    check_stream_format(fmt, kinds, events_to_stdout=fmt == "jsonl")


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        StdoutSink("xml", out=io.StringIO())


def test_closed_stdout_is_an_output_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)  # what Python sets when fd 1 is closed at start
    with pytest.raises(OutputError, match="closed"):
        StdoutSink("jsonl")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "json"])
def test_full_device_is_an_output_error(fmt: str) -> None:
    # after the error the descriptor points at /dev/null: closing the file then succeeds
    with open("/dev/full", "w") as full, pytest.raises(OutputError, match="No space left"):
        StdoutSink(fmt, out=full).write_records([TRADE] * 2000)  # past the file buffer
    if fmt == "json":
        return  # no live json
    with open("/dev/full", "w") as full, pytest.raises(OutputError, match="No space left"):
        StdoutSink(fmt, kind="trade", out=full).write(TRADE)
