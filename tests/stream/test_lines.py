"""The JSON-line fast path (output/lines.py) writes exactly what the generic encoder writes."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.output.lines import TRADE_KEYS, LineEncoder, compact_encoder

GENERIC = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def generic_line(record: Any) -> str:
    return GENERIC(record) + "\n"


def trade(**over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "channel": "trade",
        "symbol": "BTC/USD",
        "trade_id": 42,
        "time": "2026-01-02T03:04:05.123456Z",
        "price": "62919.2",
        "volume": "0.00860571",
        "side": "buy",
        "ord_type": "market",
    }
    rec.update(over)
    return rec


decimals = st.from_regex(r"\A[0-9]{1,9}(\.[0-9]{0,10})?\Z")
any_text = st.text(max_size=12)
values = st.one_of(any_text, decimals, st.integers(), st.none(), st.floats(allow_nan=False))


@settings(max_examples=400, deadline=None)
@given(
    symbol=st.one_of(any_text, st.sampled_from(['A"B', "\\x", "BTC/USD", "É/€", "a\nb", "\u2028"])),
    trade_id=st.one_of(st.integers(), st.booleans(), any_text),
    time=st.one_of(any_text, st.just("2026-01-02T03:04:05.123456Z")),
    price=st.one_of(decimals, values),
    volume=st.one_of(decimals, values),
    side=st.one_of(st.sampled_from(["buy", "sell"]), any_text),
    ord_type=st.one_of(st.sampled_from(["market", "limit"]), values),
)
def test_trade_fast_path_equals_generic_encoder(**fields: Any) -> None:
    rec = trade(**fields)
    assert tuple(rec) == TRADE_KEYS
    encode = LineEncoder()
    assert encode(rec) == generic_line(rec)
    assert encode(rec) == generic_line(rec)  # again, with the escaped symbol cached
    assert json.loads(encode(rec)) == rec


@settings(max_examples=200, deadline=None)
@given(
    record=st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats()),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
            max_leaves=8,
        ),
        max_size=9,
    )
)
def test_any_record_equals_generic_encoder(record: dict[str, Any]) -> None:
    assert LineEncoder()(record) == generic_line(record)
    assert compact_encoder()(record) == GENERIC(record)


def test_trade_shapes_that_take_the_generic_path() -> None:
    encode = LineEncoder()
    reordered = dict(reversed(list(trade().items())))
    extra = trade() | {"seq": 5}
    not_dict = type("D", (dict,), {})(trade())
    for rec in (reordered, extra, not_dict, trade(trade_id=True), trade(symbol=["x"])):
        assert encode(rec) == generic_line(rec)
    assert encode(trade(symbol='X"Y')) == generic_line(trade(symbol='X"Y'))
    assert encode("text") == generic_line("text")  # type: ignore[arg-type]


def test_generic_encoder_reports_unserialisable_values_and_stays_usable() -> None:
    encode = compact_encoder()
    with pytest.raises(TypeError):
        encode({"a": object()})
    rec = {"a": [1, {"b": "c"}]}
    assert encode(rec) == GENERIC(rec)
    assert encode(rec) == GENERIC(rec)


# -- the stdout writer -------------------------------------------------------------------------
def _writer(monkeypatch: pytest.MonkeyPatch, fake_write: Any, events: bool = False) -> Any:
    r, w = os.pipe()
    os.close(r)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.FileIO(w, "w")))
    monkeypatch.setattr(os, "write", fake_write)
    return _writers(events)


def _writers(events: bool) -> tuple[Any, Any]:
    from kraken_cli.output.sink import StdoutSink

    sink = StdoutSink("jsonl", events_to_stdout=events)
    return sink.write, sink.write_event


def test_writer_finishes_partial_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    got: list[bytes] = []

    def write(fd: int, data: bytes) -> int:
        chunk = bytes(data[:7])  # a pipe that takes 7 bytes at a time
        got.append(chunk)
        return len(chunk)

    record, _ = _writer(monkeypatch, write)
    record(trade())
    record({"event": "x"})
    assert b"".join(got).decode() == generic_line(trade()) + '{"event":"x"}\n'


def test_writer_waits_on_a_full_non_blocking_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def write(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            raise BlockingIOError(errno.EAGAIN, "full")
        return len(data)

    import select

    monkeypatch.setattr(select, "select", lambda r, w, x: (r, w, x))
    record, _ = _writer(monkeypatch, write)
    record(trade())
    assert len(calls) == 2


def test_writer_raises_broken_pipe_for_the_head_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    def write(fd: int, data: bytes) -> int:
        raise BrokenPipeError(errno.EPIPE, "gone")

    record, _ = _writer(monkeypatch, write)
    with pytest.raises(BrokenPipeError):
        record(trade())


def test_writer_without_a_file_descriptor(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    record, event = _writers(True)
    record(trade(symbol="É/€"))
    event({"event": "reconnect", "attempt": 1})
    assert out.getvalue() == generic_line(trade(symbol="É/€")) + (
        '{"event":"reconnect","attempt":1}\n'
    )


def test_events_go_to_stderr_without_events_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    _, event = _writers(False)
    event({"event": "resync", "symbol": "BTC/USD"})
    assert capsys.readouterr().err == 'krx: event: {"event":"resync","symbol":"BTC/USD"}\n'


# -- the trade handler's inlined precision check -----------------------------------------------
class _Ctx:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def emit(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def event(self, name: str, **fields: Any) -> None:
        raise AssertionError(name)

    def resubscribe(self, request: Any, symbol: str) -> None:
        raise AssertionError(symbol)

    def sleep(self, seconds: float) -> None:
        raise AssertionError(seconds)


wire_numbers = st.one_of(
    st.from_regex(r"\A-?[0-9]{0,6}(\.[0-9]{0,10})?([eE]-?[0-9])?\Z"),
    st.integers(0, 10**9),
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.sampled_from(["1.2.3", ".5", "5.", "12345678", "0.00860571"]),
)


@settings(max_examples=300, deadline=None)
@given(price=wire_numbers, qty=wire_numbers, pdec=st.integers(0, 9), qdec=st.integers(0, 9))
def test_trade_handler_pads_like_fix(price: Any, qty: Any, pdec: int, qdec: int) -> None:
    from kraken_cli.services.stream.records import StreamPair, StreamRequest, fix
    from kraken_cli.services.stream.trades import TradeHandler

    pair = StreamPair("BTC/USD", "XXBTZUSD", pdec, qdec)
    ctx = _Ctx()
    handler = TradeHandler(ctx, StreamRequest("trade", (pair,)), None)
    item = {"symbol": "BTC/USD", "side": "buy", "price": price, "qty": qty}
    item |= {"ord_type": "limit", "trade_id": 1, "timestamp": "2026-01-02T03:04:05.000001Z"}
    handler.on_message({"channel": "trade", "type": "update", "data": [item]})
    [rec] = ctx.records
    # prices as Kraken's REST writes them (at least 5 decimals), volumes at the lot precision
    assert (rec["price"], rec["volume"]) == (fix(price, max(pdec, 5)), fix(qty, qdec))


def _fix_reference(text: str, decimals: int) -> str:
    from decimal import Decimal

    from kraken_cli.client.book import norm_decimal

    # fix() before its string padding fast path
    dot = text.find(".")
    if dot > 0 and len(text) - dot - 1 == decimals and "e" not in text:
        return text
    try:
        fixed = norm_decimal(text, decimals)
        return fixed if Decimal(fixed) == Decimal(text) else text
    except ArithmeticError:
        return text


@settings(max_examples=300, deadline=None)
@given(text=wire_numbers.map(str), decimals=st.integers(0, 9))
def test_fix_fast_padding_equals_the_decimal_reference(text: str, decimals: int) -> None:
    from kraken_cli.services.stream.records import fix

    assert fix(text, decimals) == _fix_reference(text, decimals)


def test_live_and_backfilled_trades_are_the_same_record() -> None:
    from kraken_cli.services.stream.records import (
        StreamPair,
        StreamRequest,
        rest_text_pair,
        trade_from_rest,
    )
    from kraken_cli.services.stream.trades import TradeHandler

    pair = StreamPair("BTC/USD", "XXBTZUSD", 1, 8)
    ctx = _Ctx()
    handler = TradeHandler(ctx, StreamRequest("trade", (pair,)), None)
    item = {"symbol": "BTC/USD", "side": "sell", "price": "62919.2", "qty": "0.00860571"}
    item |= {"ord_type": "limit", "trade_id": 7, "timestamp": "2023-10-16T13:29:13.000000Z"}
    handler.on_message({"channel": "trade", "type": "update", "data": [item]})
    rest = trade_from_rest(
        "BTC/USD",
        ["62919.20000", "0.00860571", "1697462953", "s", "l", "", 7],
        rest_text_pair(pair),
    )
    assert ctx.records == [rest]
    assert rest["price"] == "62919.20000"  # as `krx trades` shows it: REST's own text
    assert tuple(rest) == TRADE_KEYS  # the shape the line encoder's fast path expects
