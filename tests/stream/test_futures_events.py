"""The futures stream (open_stream with Market.FUTURES) honours --events and --watchdog."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from kraken_cli.config.settings import Settings
from kraken_cli.errors import NetworkError
from kraken_cli.models.segment import Market
from kraken_cli.output.sink import StdoutSink
from kraken_cli.services.stream import futures as futures_stream
from kraken_cli.services.stream.service import StreamArgs, open_stream
from tests.stream.fakes import ListSink

TRADE = {"channel": "trade", "symbol": "PF_XBTUSD", "trade_id": "u1", "price": "1"}


def run_cli(monkeypatch: pytest.MonkeyPatch, events: bool) -> tuple[dict[str, Any], str]:
    seen: dict[str, Any] = {}

    def fake_stream(settings: Settings, channel: str, symbols: Any, **kw: Any) -> Iterator[Any]:
        seen.update(kw, channel=channel, symbols=symbols)
        kw["on_event"]({"event": "reconnect", "attempt": 1, "reason": "x"})
        yield TRADE

    monkeypatch.setattr(futures_stream, "stream", fake_stream)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    args = StreamArgs("trades", ("PF_XBTUSD",), count=1, watchdog_s=2.5)
    with open_stream(Settings(), Market.FUTURES, args) as prepared:
        assert prepared.kinds == {"trade"}
        prepared.run(StdoutSink("jsonl", events_to_stdout=events))
    return seen, out.getvalue()


def test_events_flag_writes_event_lines_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen, out = run_cli(monkeypatch, events=True)
    lines = [json.loads(x) for x in out.splitlines()]
    assert lines == [{"event": "reconnect", "attempt": 1, "reason": "x"}, TRADE]
    assert seen["watchdog_s"] == 2.5 and seen["count"] == 1
    assert capsys.readouterr().err == ""


def test_without_events_flag_events_go_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run_cli(monkeypatch, events=False)
    assert [json.loads(x) for x in out.splitlines()] == [TRADE]
    assert capsys.readouterr().err.startswith('krx: event: {"event":"reconnect"')


class SilentConn:
    """A futures socket that says hello, then nothing: every read times out."""

    def __init__(self, log: list[Any], timeout: float) -> None:
        self.log, self.first = log, True
        log.append(("connect", timeout))

    def send(self, payload: str) -> None:
        self.log.append(json.loads(payload))

    def recv(self) -> str:
        if self.first:
            self.first = False
            return '{"event":"info","version":1}'
        raise websocket.WebSocketTimeoutException("timed out")

    def close(self) -> None:
        pass


def test_watchdog_is_the_read_timeout_and_names_the_stall() -> None:
    log: list[Any] = []
    events: list[dict[str, Any]] = []
    records = futures_stream.stream(
        Settings(),
        "trades",
        ["PF_XBTUSD"],
        on_event=events.append,
        connect=lambda url, timeout: SilentConn(log, timeout),
        sleep=lambda s: None,
        watchdog_s=3.0,
    )
    with pytest.raises(NetworkError):
        list(records)
    assert ("connect", 3.0) in log
    assert {"event": "subscribe", "feed": "heartbeat"} in log
    assert len(events) == futures_stream.MAX_RECONNECTS
    assert events[0]["event"] == "reconnect" and events[0]["attempt"] == 1
    assert events[0]["reason"] == "no message for 3s (watchdog)"


def test_any_sink_takes_the_stream_and_levels_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    book = {"channel": "book", "symbol": "PF_XBTUSD", "bids": [["1", "1"]] * 5, "asks": []}

    def fake_stream(settings: Settings, channel: str, symbols: Any, **kw: Any) -> Iterator[Any]:
        kw["on_event"]({"event": "resync", "attempt": 1})
        yield book

    monkeypatch.setattr(futures_stream, "stream", fake_stream)
    sink = ListSink()
    args = StreamArgs("book", ("PF_XBTUSD",), levels=2)
    with open_stream(Settings(), Market.FUTURES, args) as prepared:
        assert prepared.run(sink) == 1
    assert sink.events == [{"event": "resync", "attempt": 1}]
    assert sink.records == [book | {"bids": [["1", "1"]] * 2}]
