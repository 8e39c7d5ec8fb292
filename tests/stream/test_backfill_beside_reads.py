"""Trade backfill beside the reads: many symbols reconnect, REST pages come one at a time while
the socket keeps being read, held live trades stay bounded, and every symbol's tape comes out
once, in order (fake WS with drops, fake REST paced at 1 call/s on an injected clock)."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest

from kraken_cli.errors import IntegrityError
from kraken_cli.services.stream.backfill import InlinePager, PageRequest, ThreadPager
from kraken_cli.services.stream.engine import StreamService
from kraken_cli.services.stream.options import StreamDeps, StreamOptions
from kraken_cli.services.stream.records import StreamPair, StreamRequest
from tests.stream.fakes import DROP, FakeConnect, FakeTrades, trade_msg
from tests.support.fakes import FakeClock

SYMBOLS = 120
TAPE = 60  # trades per symbol
HEARTBEAT = '{"channel":"heartbeat"}'  # what Kraken sends each second of a quiet socket


def _pairs(n: int) -> list[StreamPair]:
    return [StreamPair(f"S{i:03d}/USD", f"S{i:03d}USD", 5, 8) for i in range(n)]


class Rest:
    """REST Trades of every symbol's tape; every call logged."""

    def __init__(self, pairs: list[StreamPair], log: list[str]) -> None:
        self.tapes = {p.rest_pair: FakeTrades(range(1, TAPE + 1), page=1000) for p in pairs}
        self.log = log

    def __call__(self, pair: str, since: str | None) -> tuple[list[list[Any]], str | None]:
        self.log.append("rest")
        return self.tapes[pair](pair, since)


class Feed:
    """Frames of a connection; each read is logged and takes 10 ms of the injected clock."""

    def __init__(self, clock: FakeClock, log: list[str], rng: random.Random) -> None:
        self.clock, self.log, self.rng = clock, log, rng

    def _read(self, _ws: Any) -> None:
        self.log.append("read")
        self.clock.advance(0.01)

    def live(self, pairs: list[StreamPair], ids: range) -> list[Any]:
        """Trades ``ids`` of every symbol, symbols interleaved."""
        frames: list[Any] = []
        for tid in ids:
            for p in self.rng.sample(pairs, len(pairs)):
                frames += [self._read, trade_msg(tid, sym=p.symbol)]
        return frames

    def quiet(self, seconds: int) -> list[Any]:
        """A quiet socket: Kraken's heartbeat each second."""
        return [lambda _ws: self.clock.advance(1.0), HEARTBEAT] * seconds


Run = tuple[StreamService, list[dict[str, Any]], list[dict[str, Any]]]


def _run(
    pairs: list[StreamPair],
    scripts: list[list[Any]],
    rest: Rest,
    clock: FakeClock,
    **opts: Any,
) -> Run:
    records: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    deps = StreamDeps(
        ws_url="wss://ws.example/v2",
        # each script starts with a no-op "while disconnected" step (its frames are callables)
        connect=FakeConnect([[lambda: None, *script] for script in scripts], clock),
        fetch_trades=rest,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(1),
        # REST at Kraken's public pace, 1 call/s, on the injected clock
        trade_pager=lambda fetch, sleep: InlinePager(fetch, sleep, clock=clock, every_s=1.0),
    )
    options = StreamOptions(count=len(pairs) * TAPE, watchdog_s=30.0, **opts)
    service = StreamService(
        [StreamRequest("trade", tuple(pairs))], deps, options, records.append, events.append
    )
    service.run()
    return service, records, events


def _assert_exact_tapes(pairs: list[StreamPair], records: list[dict[str, Any]]) -> None:
    for p in pairs:
        ids = [r["trade_id"] for r in records if r["symbol"] == p.symbol]
        assert ids == list(range(1, TAPE + 1)), p.symbol


def test_many_symbols_reconnecting_backfill_while_the_socket_is_read() -> None:
    """120 symbols, two drops; backfill pages alternate with reads; each tape exactly once."""
    clock, log = FakeClock(), []
    feed, pairs = Feed(clock, log, random.Random(3)), _pairs(SYMBOLS)
    conn2 = feed.live(pairs, range(21, 41))
    scripts = [
        [*feed.live(pairs, range(1, 11)), DROP],  # 11..20 happen while disconnected
        [*conn2[: len(conn2) // 3], DROP],  # drops mid-backfill: fills span the reconnect
        [*feed.live(pairs, range(45, TAPE + 1)), *feed.quiet(400)],
    ]
    service, records, events = _run(pairs, scripts, Rest(pairs, log), clock)
    _assert_exact_tapes(pairs, records)
    assert service.reconnects == 2
    assert sum(e["count"] for e in events if e["event"] == "backfill") > SYMBOLS * 10
    # REST at 1 call/s while the socket is read at 100 messages/s: ~100 reads between two
    # calls as long as live trades flow (the backfills outlast them: 120 symbols, 1 call/s)
    live = ",".join(log[: len(log) - log[::-1].index("read")])
    between = live.split("rest")[1:-1]
    assert len(between) > 15
    assert min(part.count("read") for part in between) >= 90


def test_a_held_buffer_that_overflows_is_dropped_and_the_backfill_extended() -> None:
    clock, log = FakeClock(), []
    feed, pairs = Feed(clock, log, random.Random(5)), _pairs(3)
    scripts = [
        [*feed.live(pairs, range(1, 6)), DROP],
        [*feed.live(pairs, range(20, TAPE + 1)), *feed.quiet(20)],
    ]
    _service, records, events = _run(pairs, scripts, Rest(pairs, log), clock, trade_hold_max=4)
    _assert_exact_tapes(pairs, records)
    # the first pages come while every symbol's live trades pile up past the bound (4)
    assert any(e["event"] == "backfill_overflow" for e in events)


def test_hold_max_bounds_what_waits(monkeypatch: Any) -> None:
    from kraken_cli.services.stream import trades

    seen: list[int] = []
    original = trades.TradeHandler._hold

    def spy(self: trades.TradeHandler, st: Any, trade: dict[str, Any]) -> None:
        original(self, st, trade)
        seen.append(len(st.held))

    monkeypatch.setattr(trades.TradeHandler, "_hold", spy)
    monkeypatch.setattr(trades.TradeHandler.__init__, "__kwdefaults__", {
        **(trades.TradeHandler.__init__.__kwdefaults__ or {}), "hold_max": 4})  # fmt: skip
    test_a_held_buffer_that_overflows_is_dropped_and_the_backfill_extended()
    assert seen and max(seen) <= 4


def test_thread_pager_fetches_beside_the_caller_and_never_blocks_collect() -> None:
    gate = threading.Event()

    def fetch(pair: str, since: str | None) -> tuple[list[list[Any]], str | None]:
        gate.wait(5)
        return [[pair]], since

    pager = ThreadPager(fetch, time.sleep)
    try:
        pager.submit(PageRequest("A/USD", "AUSD", "1"))
        assert pager.collect() == []  # the call is under way: collect returns at once
        gate.set()
        deadline = time.monotonic() + 5
        results: list[Any] = []
        while not results and time.monotonic() < deadline:
            results = pager.collect()
            time.sleep(0.01)
        assert [r.rows for r in results] == [[["AUSD"]]]
    finally:
        pager.close()


def test_thread_pager_hands_a_crash_to_the_stream_thread() -> None:
    def fetch(pair: str, since: str | None) -> tuple[list[list[Any]], str | None]:
        raise RuntimeError("client closed")

    pager = ThreadPager(fetch, time.sleep)
    pager.submit(PageRequest("A/USD", "AUSD", "1"))
    deadline = time.monotonic() + 5
    with pytest.raises(RuntimeError, match="client closed"):
        while time.monotonic() < deadline:
            pager.collect()
            time.sleep(0.01)
    pager.close()


def test_a_gap_rest_cannot_fill_is_an_integrity_error_after_paced_retries() -> None:
    clock = FakeClock()
    btc = StreamPair("BTC/USD", "XXBTZUSD", 1, 8)
    rest = FakeTrades([1, 2, 5, 6])  # REST lacks 3 and 4 too
    records: list[dict[str, Any]] = []
    deps = StreamDeps(
        ws_url="wss://ws.example/v2",
        connect=FakeConnect([[trade_msg(1, 2), trade_msg(5), *[HEARTBEAT] * 10]], clock),
        fetch_trades=rest,
        clock=clock,
        sleep=clock.sleep,
        trade_pager=InlinePager,
    )
    service = StreamService(
        [StreamRequest("trade", (btc,))], deps, StreamOptions(), records.append, lambda e: None
    )
    with pytest.raises(IntegrityError, match="next live trade_id 5"):
        service.run()
    assert [r["trade_id"] for r in records] == [1, 2]
    # 4 attempts of 2 pages each (the second finds nothing new), 1 s apart
    assert len(rest.calls) == 8 and clock.slept == [1.0, 1.0, 1.0]
