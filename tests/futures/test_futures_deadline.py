"""#18: a futures stream's --duration holds however silent the server; unreachable is an error."""

from __future__ import annotations

import json
import socket
import time

import pytest

from kraken_cli.client.ws_socket import CLOSE_WAIT_S
from kraken_cli.config.settings import Endpoints, Settings
from kraken_cli.errors import NetworkError
from kraken_cli.services.stream.futures import stream
from tests.client import hostile_ws as hw

INFO = hw.frame(hw.TEXT, json.dumps({"event": "info", "version": 1}).encode())
HEARTBEAT = hw.frame(hw.TEXT, b'{"feed":"heartbeat","time":1}')
SLACK_S = CLOSE_WAIT_S + 1.5


def _settings(url: str) -> Settings:
    return Settings(endpoints=Endpoints(futures_ws_url=url.replace("/v2", "")))


def _run_for(url: str, seconds: float) -> tuple[list[object], float]:
    started = time.monotonic()
    records = list(
        stream(_settings(url), "trades", ["PF_XBTUSD"], watchdog_s=30.0, deadline=started + seconds)
    )
    return records, time.monotonic() - started


def test_a_silent_server_cannot_keep_the_stream_past_its_deadline() -> None:
    with hw.serve(hw.once(INFO)) as url:  # the greeting, then nothing at all
        records, took = _run_for(url, 1.0)
    assert records == [] and took < 1.0 + SLACK_S


def test_heartbeats_without_records_do_not_extend_the_deadline() -> None:
    with hw.serve(hw.forever(lambda _c, n: INFO if n == 0 else HEARTBEAT, pause_s=0.05)) as url:
        records, took = _run_for(url, 1.0)
    assert records == [] and took < 1.0 + SLACK_S


def test_an_unreachable_websocket_is_a_network_error_even_with_a_deadline() -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(NetworkError):
        _run_for(f"ws://127.0.0.1:{port}/v2", 3.0)
    assert time.monotonic() - started < 3.0 + SLACK_S
