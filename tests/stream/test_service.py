"""The stream service through a fake connection: real frames, drops, stalls, resyncs."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from kraken_cli.errors import AuthError, IntegrityError, NetworkError, UnknownSymbolError
from kraken_cli.services.stream.engine import StreamService
from kraken_cli.services.stream.options import StreamDeps, StreamOptions
from kraken_cli.services.stream.records import StreamPair, StreamRequest
from tests.stream.fakes import (
    DROP,
    TIMEOUT,
    FakeConnect,
    FakeTrades,
    raw_frames,
    sample,
    tid_iso,
    trade_msg,
)
from tests.support.fakes import FakeClock

BTC = StreamPair("BTC/USD", "XXBTZUSD", 1, 8)
ETH = StreamPair("ETH/USD", "XETHZUSD", 2, 8)


class Run:
    def __init__(
        self,
        requests: list[StreamRequest],
        scripts: list[list[Any]],
        *,
        trades: FakeTrades | None = None,
        token: bool = False,
        **opts: Any,
    ) -> None:
        self.clock = FakeClock()
        self.connect = FakeConnect(scripts, self.clock)
        self.records: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.tokens = 0

        def fetch_token() -> str:
            self.tokens += 1
            return f"tok{self.tokens}"

        deps = StreamDeps(
            ws_url="wss://ws.example/v2",
            ws_auth_url="wss://auth.example/v2",
            connect=self.connect,
            fetch_trades=trades,
            fetch_token=fetch_token if token else None,
            clock=self.clock,
            sleep=self.clock.sleep,
            rng=random.Random(1),
        )
        self.service = StreamService(
            requests, deps, StreamOptions(**opts), self.records.append, self.events.append
        )

    def run(self) -> int:
        return self.service.run()

    def sent(self, conn: int = 0) -> list[dict[str, Any]]:
        return self.connect.conns[conn].sent


def book_frames() -> list[str]:
    return raw_frames("ws-v2-book-sequence-raw-2026.json")


def test_book_replay_emits_every_verified_book() -> None:
    r = Run([StreamRequest("book", (BTC,), depth=10)], [book_frames()], count=41)
    assert r.run() == 41
    assert [x["checksum"] for x in r.records] == [
        json.loads(t)["data"][0]["checksum"] for t in book_frames()
    ]
    first = r.records[0]
    assert first["channel"] == "book" and first["symbol"] == "BTC/USD"
    assert first["bids"][0] == ["64525.0", "0.53807066"]
    assert first["asks"][0] == ["64525.1", "0.01077490"]
    assert len(first["bids"]) == 10
    assert r.sent()[0] == {
        "method": "subscribe",
        "req_id": 1,
        "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 10},
    }
    assert r.events == []


def test_book_levels_and_updates_modes() -> None:
    r = Run([StreamRequest("book", (BTC,))], [book_frames()], count=3, levels=2)
    r.run()
    assert all(len(x["bids"]) == 2 and len(x["asks"]) == 2 for x in r.records)
    r = Run([StreamRequest("book", (BTC,))], [book_frames()], count=3, updates=True)
    r.run()
    # the insert pushed 64532.8 past depth 10: reported as removed (volume 0)
    assert r.records[1]["asks"] == [["64525.3", "0.00309336"], ["64532.8", "0.00000000"]]
    assert r.records[1]["bids"] == []
    assert r.records[1]["type"] == "update"
    assert r.records[0]["type"] == "snapshot" and len(r.records[0]["asks"]) == 10


def corrupt(frame: str) -> str:
    msg = json.loads(frame, parse_float=str)
    msg["data"][0]["checksum"] += 1
    return json.dumps(msg).replace('"', '"')


def eth_book(checksum_ok: bool = True) -> str:
    from kraken_cli.client.book import Book

    asks = [{"price": f"{2000 + i}.00", "qty": "1.00000000"} for i in range(10)]
    bids = [{"price": f"{1999 - i}.00", "qty": "1.00000000"} for i in range(10)]
    b = Book("ETH/USD", 10, 2, 8)
    b.apply_snapshot(asks, bids)
    d = {"symbol": "ETH/USD", "bids": bids, "asks": asks, "checksum": b.checksum()}
    if not checksum_ok:
        d["checksum"] += 1
    text = json.dumps({"channel": "book", "type": "snapshot", "data": [d]})
    return (
        text.replace('"price": "', '"price": ')
        .replace('", "qty": "', ', "qty": ')
        .replace('0"}', "0}")
    )


def test_corrupt_checksum_resyncs_that_symbol_only() -> None:
    frames = book_frames()
    snap_again = frames[0]
    script = [frames[0], eth_book(), frames[1], corrupt(frames[2]), frames[3], eth_book()]
    script += [snap_again, *frames[1:4]]
    r = Run([StreamRequest("book", (BTC, ETH))], [script], count=8)
    r.run()
    resyncs = [e for e in r.events if e["event"] == "resync"]
    assert len(resyncs) == 1 and resyncs[0]["symbol"] == "BTC/USD"
    sent = r.sent()
    assert sent[1]["method"] == "unsubscribe" and sent[1]["params"]["symbol"] == ["BTC/USD"]
    assert sent[2]["method"] == "subscribe" and sent[2]["params"]["symbol"] == ["BTC/USD"]
    bad = json.loads(corrupt(frames[2]))["data"][0]["checksum"]
    assert bad not in [x["checksum"] for x in r.records]
    # ETH kept streaming while BTC resynced; BTC's update after the bad one was dropped
    syms = [x["symbol"] for x in r.records]
    assert syms == [
        "BTC/USD",
        "ETH/USD",
        "BTC/USD",
        "ETH/USD",
        "BTC/USD",
        "BTC/USD",
        "BTC/USD",
        "BTC/USD",
    ]


def test_book_that_never_verifies_is_an_integrity_error() -> None:
    bad = corrupt(book_frames()[0])
    r = Run([StreamRequest("book", (BTC,))], [[bad] * 10], max_book_failures=3)
    with pytest.raises(IntegrityError):
        r.run()
    assert r.records == []


def test_crossed_book_resyncs() -> None:
    frames = book_frames()
    msg = json.loads(frames[0], parse_float=str)
    d = msg["data"][0]
    d["bids"][0]["price"] = "64600.0"  # above the best ask
    from kraken_cli.client.book import Book

    b = Book("BTC/USD", 10, 1, 8)
    b.apply_snapshot(d["asks"], d["bids"])
    d["checksum"] = b.checksum()
    r = Run([StreamRequest("book", (BTC,))], [[json.dumps(msg), frames[0]]], count=1)
    r.run()
    assert r.events[0]["event"] == "resync" and "crossed" in r.events[0]["reason"]
    assert r.records[0]["checksum"] == json.loads(frames[0])["data"][0]["checksum"]


def test_trade_ticker_ohlc_records_from_real_samples() -> None:
    reqs = [
        StreamRequest("trade", (BTC,)),
        StreamRequest("ticker", (BTC,)),
        StreamRequest("ohlc", (BTC,), interval=1),
    ]
    script = [
        sample("ws-v2-status.json"),
        sample("ws-v2-heartbeat.json"),
        sample("ws-v2-trade.json"),
        sample("ws-v2-ticker.json"),
        sample("ws-v2-ohlc.json"),
        sample("ws-v2-pong.json"),
    ]
    r = Run(reqs, [script], count=3)
    r.run()
    trade, ticker, ohlc = r.records
    assert trade == {
        "channel": "trade",
        "symbol": "BTC/USD",
        "trade_id": 109116693,
        "time": "2026-09-25T17:48:26.844359Z",
        "price": "83744.30000",  # as REST writes it (krx trades)
        "volume": "0.00044780",
        "side": "buy",
        "ord_type": "limit",
    }
    assert list(ticker)[:9] == [
        "channel",
        "symbol",
        "bid",
        "ask",
        "last",
        "volume_24h",
        "vwap_24h",
        "low_24h",
        "high_24h",
    ]
    assert ticker["bid"] == "83744.2" and ticker["volume_24h"] == "3156.84782110"
    assert ohlc["time"] == "2026-09-25T17:48:00Z"
    assert [ohlc[k] for k in ("open", "high", "low", "close", "vwap", "volume", "count")] == [
        "83729.5",
        "83745.2",
        "83729.4",
        "83744.3",
        "83736.4",
        "0.21155628",
        33,
    ]
    assert [m["params"]["channel"] for m in r.sent()] == ["trade", "ticker", "ohlc"]
    assert r.sent()[2]["params"]["interval"] == 1


def error_frames() -> list[dict[str, Any]]:
    return [json.loads(t) for t in raw_frames("ws-v2-errors.json")]


def test_unknown_symbol_ack_is_a_usage_error() -> None:
    err = error_frames()[0] | {"req_id": 1}
    clock = FakeClock()
    r = Run([StreamRequest("trade", (StreamPair("XBT/USD", "XXBTZUSD", 1, 8),))], [[]])
    r.connect = FakeConnect([[json.dumps(err)]], clock, auto_ack=False)
    r.service.deps.connect = r.connect
    with pytest.raises(UnknownSymbolError, match="XBT/USD"):
        r.run()


def test_invalid_session_ack_is_an_auth_error() -> None:
    err = error_frames()[3] | {"req_id": 1}
    r = Run([StreamRequest("executions")], [[]], token=True)
    r.connect = FakeConnect([[json.dumps(err)]], r.clock, auto_ack=False)
    r.service.deps.connect = r.connect
    with pytest.raises(AuthError):
        r.run()


def test_private_channels_use_auth_url_and_a_fresh_token_per_connection() -> None:
    frames = raw_frames("ws-v2-executions.json")[1:]
    r = Run([StreamRequest("executions")], [[frames[0], DROP], frames[1:]], token=True, count=3)
    r.run()
    assert r.connect.urls == ["wss://auth.example/v2"] * 2
    assert [c.sent[0]["params"]["token"] for c in r.connect.conns] == ["tok1", "tok2"]
    assert r.records[0]["channel"] == "executions"
    assert r.records[0]["limit_price"] == "26500.0"
    assert r.records[2]["trade_id"] == 62887576  # ints stay ints


def test_watchdog_detects_a_stall_and_reconnects() -> None:
    script = [trade_msg(1), TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT]
    trades = FakeTrades(range(1, 4))
    r = Run([StreamRequest("trade", (BTC,))], [script, [trade_msg(3)]], trades=trades, count=3)
    r.run()
    assert [x["trade_id"] for x in r.records] == [1, 2, 3]
    ev = [e for e in r.events if e["event"] == "reconnect"]
    assert "watchdog" in ev[0]["reason"]
    assert len(r.connect.conns) == 2


def test_ping_is_sent_when_idle() -> None:
    script = [x for i in range(1, 41) for x in (TIMEOUT, trade_msg(i))]
    r = Run([StreamRequest("trade", (BTC,))], [script], count=40, ping_every_s=30.0)
    r.run()
    assert any(m["method"] == "ping" for m in r.sent())


def test_drops_every_n_messages_give_the_exact_tape() -> None:
    """5,000 trades, the connection dropped every ~200 messages: no loss, no duplicate."""
    n = 5000
    rng = random.Random(7)
    tape = FakeTrades(range(1, n + 1), page=100)
    scripts: list[list[Any]] = []
    tid = 1
    while tid <= n:
        # each connection: some trades are lost in the drop, some replayed after it
        start = max(1, tid - rng.randint(0, 3))
        end = min(n, start + 200)
        batch = list(range(start, end + 1))
        frames: list[Any] = []
        i = 0
        while i < len(batch):
            k = rng.choice((1, 1, 2, 3))
            frames.append(trade_msg(*batch[i : i + k]))
            i += k
        tid = end + 1 + rng.randint(0, 5)  # trades that happened while disconnected
        # at connect time REST knows the trades up to the first one this connection sees
        scripts.append([lambda upto=start: setattr(tape, "upto", upto), *frames, DROP])
    r = Run([StreamRequest("trade", (BTC,))], scripts, trades=tape, count=n)
    assert r.run() == n
    ids = [x["trade_id"] for x in r.records]
    assert ids == list(range(1, n + 1))
    assert any(e["event"] == "backfill" for e in r.events)
    assert r.service.reconnects >= 20
    rest = [x for x in r.records if x["price"] == "64525.00000"]
    assert len(rest) == n  # live and backfilled trades read as REST writes them


def test_live_gap_is_backfilled_from_rest() -> None:
    trades = FakeTrades(range(1, 20))
    r = Run(
        [StreamRequest("trade", (BTC,))],
        [[trade_msg(1, 2), trade_msg(6, 7)]],
        trades=trades,
        count=7,
    )
    r.run()
    assert [x["trade_id"] for x in r.records] == [1, 2, 3, 4, 5, 6, 7]
    assert r.records[2]["time"] == tid_iso(3)  # REST's float seconds rendered like WS
    assert [e["event"] for e in r.events] == ["gap", "backfill"]


def test_unfillable_gap_is_an_integrity_error() -> None:
    trades = FakeTrades([1, 2, 5, 6])  # REST lacks 3 and 4 too
    r = Run([StreamRequest("trade", (BTC,))], [[trade_msg(1, 2), trade_msg(5)]], trades=trades)
    with pytest.raises(IntegrityError):
        r.run()
    assert [x["trade_id"] for x in r.records] == [1, 2]
    assert len(r.clock.slept) == 3  # retried, with the injected sleep


def test_never_connecting_is_a_network_error() -> None:
    r = Run([StreamRequest("trade", (BTC,))], [], max_attempts=3)
    with pytest.raises(NetworkError):
        r.run()
    assert r.clock.slept and r.clock.slept[0] > 0


def test_reconnect_budget_exhausted_after_streaming_is_an_integrity_error() -> None:
    r = Run([StreamRequest("trade", (BTC,))], [[trade_msg(1), DROP]], max_attempts=4)
    with pytest.raises(IntegrityError):
        r.run()
    delays = [e["delay_s"] for e in r.events if e["event"] == "reconnect"]
    assert delays[0] == 0  # right away after a random drop
    assert delays[1] < delays[2] <= 4 * 1.0  # then exponential with jitter


def test_window_budget_waits_instead_of_hammering() -> None:
    trades = FakeTrades(range(1, 8))
    scripts = [[lambda i=i: setattr(trades, "upto", i), trade_msg(i), DROP] for i in range(1, 8)]
    r = Run(
        [StreamRequest("trade", (BTC,))],
        scripts,
        trades=trades,
        count=7,
        window_connects=3,
        window_s=600.0,
    )
    r.run()
    assert max(r.clock.slept) > 500  # waited for the connect window to free up


def test_duration_stops_the_stream() -> None:
    r = Run(
        [StreamRequest("trade", (BTC,))],
        [[TIMEOUT, trade_msg(1)] * 10],
        duration_s=3.0,
        watchdog_s=100.0,
    )
    r.run()
    assert len(r.records) <= 3


def test_multiple_ohlc_intervals_on_one_connection() -> None:
    msg = json.loads(sample("ws-v2-ohlc.json"), parse_float=str)
    five = json.loads(json.dumps(msg))
    five["data"][0]["interval"] = 5
    reqs = [StreamRequest("ohlc", (BTC,), interval=1), StreamRequest("ohlc", (BTC,), interval=5)]
    r = Run(reqs, [[json.dumps(msg), json.dumps(five)]], count=2)
    r.run()
    assert [x["interval"] for x in r.records] == [1, 5]


def test_ohlc_reconciled_from_rest_after_reconnect() -> None:
    msg = json.loads(sample("ws-v2-ohlc.json"), parse_float=str)
    begin = 1790358480  # 2026-09-25T17:48:00Z
    rows = [[begin + 60 * i, "1.0", "2.0", "0.5", "1.5", "1.2", "3.0", 4] for i in range(4)]
    calls = []

    def fetch_ohlc(pair: str, interval: int, since: int | None) -> list[list[Any]]:
        calls.append((pair, interval, since))
        return rows

    r = Run([StreamRequest("ohlc", (BTC,), interval=1)], [[json.dumps(msg), DROP], []], count=4)
    r.service.deps.fetch_ohlc = fetch_ohlc
    r.service.handlers[("ohlc", 1)].fetch = fetch_ohlc  # type: ignore[attr-defined]
    r.run()
    assert calls == [("XXBTZUSD", 1, begin - 60)]
    assert [x["time"] for x in r.records] == [
        "2026-09-25T17:48:00Z",
        "2026-09-25T17:48:00Z",
        "2026-09-25T17:49:00Z",
        "2026-09-25T17:50:00Z",
    ]
    assert {"event": "backfill", "channel": "ohlc", "symbol": "BTC/USD", "count": 3} in r.events


def test_instrument_and_balances() -> None:
    frames = [json.dumps(m) for m in json.loads(sample("ws-v2-instrument.json"))]
    r = Run([StreamRequest("instrument")], [frames], count=2)
    r.run()
    assert r.records[0]["channel"] == "instrument"
    frames = raw_frames("ws-v2-balances.json")[1:]
    r = Run([StreamRequest("balances")], [frames], token=True, count=3)
    r.run()
    assert r.records[0]["symbol"] == "BTC" and r.records[0]["balance"] == "1.2"


def test_executions_short_updates_carry_the_orders_fields() -> None:
    frames = raw_frames("ws-v2-executions.json")[1:]
    r = Run([StreamRequest("executions")], [frames], token=True, count=3)
    r.run()
    _pending, new, fill = r.records
    assert [x["exec_type"] for x in r.records] == ["pending_new", "new", "trade"]
    assert list(new)[:2] == ["channel", "symbol"]
    assert new["symbol"] == "BTC/USD" and new["side"] == "sell"
    assert new["order_type"] == "limit" and new["limit_price"] == "26500.0"
    assert new["order_qty"] == "0.005" and new["order_status"] == "new"
    assert new["timestamp"] == "2023-09-22T10:33:05.709982Z"  # its own, not the earlier one
    assert "last_qty" not in new and fill["last_qty"] == "0.005"


def test_order_memory_forgets_final_orders_and_keeps_amends() -> None:
    from kraken_cli.services.stream.records import OrderMemory

    mem = OrderMemory(limit=2)
    mem.complete({"order_id": "A", "symbol": "BTC/USD", "limit_price": "1"})
    assert mem.complete({"order_id": "A", "exec_type": "amended", "limit_price": "2"}) == {
        "order_id": "A",
        "exec_type": "amended",
        "limit_price": "2",
        "symbol": "BTC/USD",
    }
    assert mem.complete({"order_id": "A"})["limit_price"] == "2"
    assert mem.complete({"order_id": "A", "order_status": "canceled"})["symbol"] == "BTC/USD"
    assert mem.complete({"order_id": "A"}) == {"order_id": "A"}
    for oid in "BCD":
        mem.complete({"order_id": oid, "symbol": oid})
    assert list(mem.orders) == ["C", "D"]  # bounded
    assert mem.complete({"no": "order id"}) == {"no": "order id"}


def test_balances_records_carry_the_spec_balance_fields() -> None:
    frames = raw_frames("ws-v2-balances.json")[1:]
    r = Run([StreamRequest("balances")], [frames], token=True, count=4)
    r.run()
    first, _matic, _usd, update = r.records
    assert list(first)[:6] == ["channel", "symbol", "asset", "balance", "hold", "available"]
    assert (first["asset"], first["balance"], first["hold"], first["available"]) == (
        "BTC",
        "1.2",
        None,
        None,
    )
    assert first["asset_class"] == "currency" and first["sequence"] == 1
    assert update["asset"] == "BTC" and update["balance"] == "0.02" and update["amount"] == "0.01"


def test_count_starts_candles_at_the_latest_of_the_snapshot() -> None:
    # Kraken's ohlc snapshot holds hours of candles; `--count N` wants the latest N, not the first
    msg = json.loads(sample("ws-v2-ohlc.json"), parse_float=str)
    row = msg["data"][0]
    begins = [f"2026-09-25T17:{m:02d}:00.000000000Z" for m in range(40, 50)]
    msg["type"] = "snapshot"
    msg["data"] = [dict(row, interval_begin=begin) for begin in begins]
    r = Run([StreamRequest("ohlc", (BTC,), interval=1)], [[json.dumps(msg)]], count=3)
    r.run()
    assert [x["time"] for x in r.records] == [
        "2026-09-25T17:47:00Z",
        "2026-09-25T17:48:00Z",
        "2026-09-25T17:49:00Z",
    ]
    # updates are never trimmed
    msg["type"] = "update"
    whole = Run([StreamRequest("ohlc", (BTC,), interval=1)], [[json.dumps(msg)]], count=3)
    whole.run()
    assert whole.records[0]["time"] == "2026-09-25T17:40:00Z"
