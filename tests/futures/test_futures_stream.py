"""Futures WS client and stream service on scripted frames (the real REC26 samples)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kraken_cli.client.futures_ws import BookGap, FuturesBook, FuturesWs
from kraken_cli.config.settings import Credentials, Endpoints, Settings
from kraken_cli.errors import AuthError, NetworkError
from kraken_cli.protocol.signing import futures_ws_challenge
from kraken_cli.services.stream.futures import stream
from tests.futures.helpers import sample, sample_text

RAW = sample_text("futures-ws-public.json")


def _raw_frames(text: str) -> list[str]:
    """Split the sample array into frames as exact wire text (numbers untouched)."""
    decoder, out, pos = json.JSONDecoder(), [], text.index("[") + 1
    while True:
        while text[pos] in " \n\r\t,":
            pos += 1
        if text[pos] == "]":
            return out
        _, end = decoder.raw_decode(text, pos)
        out.append(text[pos:end])
        pos = end


FRAMES = _raw_frames(RAW)
SETTINGS = Settings(endpoints=Endpoints(futures_ws_url="ws://test/ws/v1"))


class FakeConn:
    """Replays scripted frames; records what the client sends."""

    def __init__(self, frames: list[str]) -> None:
        self.frames = list(frames)
        self.sent: list[dict[str, Any]] = []

    def send(self, payload: str) -> None:
        self.sent.append(json.loads(payload))

    def recv(self) -> str:
        if not self.frames:
            raise ConnectionError("closed")
        return self.frames.pop(0)

    def close(self) -> None:
        pass


def _book_frames() -> list[str]:
    snap = next(f for f in FRAMES if '"book_snapshot"' in f)
    delta = next(f for f in FRAMES if f.startswith('{"feed":"book",'))
    d1 = delta.replace("115358039", "115335795")
    gap = delta.replace("115358039", "115335799")
    return [FRAMES[0], snap, d1, gap, snap, d1]


def test_book_stream_resnapshots_on_seq_gap() -> None:
    conn = FakeConn(_book_frames())
    events: list[dict[str, Any]] = []
    records = list(
        stream(
            SETTINGS,
            "book",
            ["BTCUSD"],
            depth=2,
            count=4,
            on_event=events.append,
            connect=lambda url, timeout: conn,
        )
    )
    assert [r["seq"] for r in records] == [115335794, 115335795, 115335794, 115335795]
    first = records[0]
    assert first["channel"] == "book" and first["symbol"] == "PF_XBTUSD"
    assert first["bids"] == [["83998.0", "0.0371"], ["83996.0", "0.0235"]]
    assert first["asks"][0] == ["83999.0", "0.0400"]  # exact wire text, trailing zero kept
    assert records[1]["asks"][0] == ["84001.0", "0.0500"]  # qty 0.0 removed the top ask
    assert events[0]["event"] == "resync"
    assert {"event": "unsubscribe", "feed": "book", "product_ids": ["PF_XBTUSD"]} in conn.sent


def test_trade_stream_snapshot_oldest_first_then_live() -> None:
    # the real recording: a live trade raced ahead of the trade_snapshot; it is held and
    # given after the snapshot's older trades, so the stream stays in time order
    frames = [FRAMES[0]] + [f for f in FRAMES if "trade" in f]
    conn = FakeConn(frames)
    records = list(stream(SETTINGS, "trades", ["PF_XBTUSD"], count=4, connect=lambda u, t: conn))
    assert [r["seq"] for r in records] == [421129, 421130, 421131, 421135]
    live = records[-1]
    assert live == {
        "channel": "trade",
        "symbol": "PF_XBTUSD",
        "trade_id": None,
        "trade_uid": "8a2be12f-7a3f-4f8f-a111-d1b5200ab1d0",
        "time": "2026-09-25T18:13:24.381Z",
        "price": "83994.0",
        "volume": "0.0002",
        "side": "sell",
        "ord_type": "market",
        "seq": 421135,
    }


def test_ticker_stream_record() -> None:
    tick = next(f for f in FRAMES if '"feed":"ticker","bid"' in f)
    conn = FakeConn([FRAMES[0], FRAMES[1], tick])
    (rec,) = stream(SETTINGS, "ticker", ["PF_XBTUSD"], count=1, connect=lambda u, t: conn)
    assert rec["bid"] == "84001.0" and rec["mark_price"] == "84004.11362574516"
    assert rec["funding_rate"] == "0.912482213835" and rec["vwap_24h"] is None


def test_reconnects_with_event_then_gives_up() -> None:
    events: list[dict[str, Any]] = []
    slept: list[float] = []
    conns = [FakeConn([FRAMES[0]]) for _ in range(10)]
    with pytest.raises(NetworkError):
        list(
            stream(
                SETTINGS,
                "trades",
                ["PF_XBTUSD"],
                on_event=events.append,
                connect=lambda u, t: conns.pop(),
                sleep=slept.append,
            )
        )
    assert [e["event"] for e in events] == ["reconnect"] * 5 and slept[0] == 1.0


def test_private_subscribe_signs_challenge() -> None:
    vector = sample("test-vectors.json")["futures_ws_signed_challenge"][0]
    secret, challenge = vector["api_secret_b64"], vector["challenge"]
    assert futures_ws_challenge(secret, challenge) == vector["expected_signed_challenge"]
    conn = FakeConn([FRAMES[0], json.dumps({"event": "challenge", "message": challenge})])
    ws = FuturesWs("ws://x", Credentials("k", secret), connect=lambda u, t: conn)
    ws.open()
    ws.subscribe_private("fills")
    assert conn.sent[-1]["signed_challenge"] == vector["expected_signed_challenge"]


def test_auth_alert_is_auth_error() -> None:
    conn = FakeConn([FRAMES[0], next(f for f in FRAMES if "authenticated feed" in f)])
    ws = FuturesWs("ws://x", Credentials("k", "c2VjcmV0"), connect=lambda u, t: conn)
    ws.open()
    with pytest.raises(AuthError):
        ws.subscribe_private("fills")


def test_book_rejects_delta_before_snapshot() -> None:
    with pytest.raises(BookGap):
        FuturesBook("PF_XBTUSD").apply({"seq": 1, "price": 1, "qty": 1, "side": "buy"})


def test_raw_sample_numbers_kept() -> None:
    assert '"qty":0.0400' in RAW.replace(" ", "")
