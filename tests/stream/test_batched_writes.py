"""One write per WebSocket message: the same bytes as a write per record, in the same order."""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import pytest

from kraken_cli.errors import IntegrityError
from kraken_cli.output.sink import StdoutSink
from kraken_cli.services.stream.records import StreamRequest
from tests.stream.fakes import DROP, TIMEOUT, FakeTrades, FakeWs, raw_frames, trade_msg
from tests.stream.test_lines import generic_line, trade
from tests.stream.test_service import BTC, Run


def _pipe_sink(monkeypatch: pytest.MonkeyPatch, fmt: str = "jsonl") -> tuple[StdoutSink, list]:
    """A StdoutSink on a real descriptor whose writes are recorded."""
    r, w = os.pipe()
    os.close(r)
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.FileIO(w, "w")))
    writes: list[bytes] = []

    def record(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return len(data)

    monkeypatch.setattr(os, "write", record)
    return StdoutSink(fmt, kind="trade"), writes


def test_write_many_is_one_write_of_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [trade(trade_id=i, symbol="É/€" if i == 2 else "BTC/USD") for i in range(5)]
    records.append({"channel": "trade", "odd": [1, {"x": None}]})
    sink, writes = _pipe_sink(monkeypatch)
    sink.write_many(records)
    assert writes == ["".join(map(generic_line, records)).encode()]
    writes.clear()
    for rec in records:
        sink.write(rec)
    assert b"".join(writes) == "".join(map(generic_line, records)).encode()


def test_csv_write_many_writes_rows_as_write_does(monkeypatch: pytest.MonkeyPatch) -> None:
    sink, writes = _pipe_sink(monkeypatch, "csv")
    sink.write_many([trade(trade_id=1), trade(trade_id=2)])
    many = b"".join(writes)
    sink2, writes2 = _pipe_sink(monkeypatch, "csv")
    sink2.write(trade(trade_id=1))
    sink2.write(trade(trade_id=2))
    assert many == b"".join(writes2) and many.count(b"\n") == 3


class BatchSink:
    """Keeps each write_many call and each event, in one timeline."""

    def __init__(self) -> None:
        self.timeline: list[Any] = []

    def write(self, record: dict[str, Any]) -> None:
        raise AssertionError("the stream writes through write_many")

    def write_many(self, records: list[dict[str, Any]]) -> None:
        self.timeline.append([r.get("trade_id", r.get("checksum")) for r in records])

    def write_event(self, event: dict[str, Any]) -> None:
        self.timeline.append(event["event"])


def _run(requests: list[StreamRequest], scripts: list[list[Any]], **opts: Any) -> BatchSink:
    sink = BatchSink()
    run = Run(requests, scripts, **opts)
    run.service._write_many = sink.write_many
    run.service._on_event = sink.write_event
    try:
        run.run()
    except IntegrityError as exc:
        sink.timeline.append(type(exc).__name__)
    return sink


def test_records_of_one_message_are_one_write() -> None:
    sink = _run([StreamRequest("trade", (BTC,))], [[trade_msg(1, 2, 3), trade_msg(4)]], count=4)
    assert sink.timeline == [[1, 2, 3], [4]]


def test_count_reached_inside_a_message_writes_exactly_count() -> None:
    sink = _run([StreamRequest("trade", (BTC,))], [[trade_msg(1, 2, 3, 4, 5)]], count=3)
    assert sink.timeline == [[1, 2, 3]]


def test_records_before_an_event_are_written_before_it() -> None:
    # trade 3 is missing: the gap event comes after 1-2 are out, then the backfill's 3 and 4
    sink = _run(
        [StreamRequest("trade", (BTC,))],
        [[trade_msg(1, 2, 4)]],
        trades=FakeTrades(range(1, 10)),
        count=4,
    )
    assert sink.timeline == [[1, 2], "gap", [3], "backfill", [4]]


def test_records_are_written_when_the_connection_drops() -> None:
    sink = _run([StreamRequest("trade", (BTC,))], [[trade_msg(1, 2), DROP]], max_attempts=1)
    assert sink.timeline[0] == [1, 2] and sink.timeline[-1] == "IntegrityError"


def test_book_messages_are_written_one_by_one() -> None:
    frames = raw_frames("ws-v2-book-sequence-raw-2026.json")
    sink = _run([StreamRequest("book", (BTC,), depth=10)], [frames], count=41)
    assert len(sink.timeline) == 41 and all(len(batch) == 1 for batch in sink.timeline)


def test_messages_already_received_share_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def ready(ws: FakeWs) -> bool:  # as the real socket: a whole message is already read
        return bool(ws.inbox) or (bool(ws.script) and isinstance(ws.script[0], str))

    monkeypatch.setattr(FakeWs, "ready", ready, raising=False)
    script = [trade_msg(1, 2), trade_msg(3), TIMEOUT, trade_msg(4), trade_msg(5)]
    sink = _run([StreamRequest("trade", (BTC,))], [script], count=5)
    assert sink.timeline == [[1, 2, 3], [4, 5]]
