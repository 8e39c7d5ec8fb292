"""Subscription pacing and the shared connect gate: many symbols stay inside Kraken's limits."""

from __future__ import annotations

import json
from typing import Any

from kraken_cli.services.archive import shards
from kraken_cli.services.stream.pacing import ConnectGate, SubscribePacer, batches
from kraken_cli.services.stream.records import StreamPair, StreamRequest
from tests.stream.fakes import TIMEOUT, FakeWs
from tests.stream.test_service import Run
from tests.support.fakes import FakeClock

PAIRS = tuple(StreamPair(f"S{i:04d}/USD", f"S{i:04d}USD", 5, 8) for i in range(100))


def _timed(run: Run) -> list[tuple[float, dict[str, Any]]]:
    """Record when each frame is sent on the first connection."""
    log: list[tuple[float, dict[str, Any]]] = []
    connect = run.connect
    original = connect.__call__

    def wrapped(url: str, timeout: float) -> FakeWs:
        ws = original(url, timeout)
        send = ws.send

        def timed_send(payload: str) -> None:
            log.append((run.clock(), json.loads(payload)))
            send(payload)

        ws.send = timed_send  # type: ignore[method-assign]
        return ws

    run.service.deps.connect = wrapped
    return log


def test_batches_and_even_shards() -> None:
    assert [len(b) for b in batches([str(i) for i in range(45)], 20)] == [20, 20, 5]
    assert list(batches(["a", "b"], 0)) == [["a", "b"]]
    parts = shards(tuple(str(i) for i in range(1450)), 250)
    assert len(parts) == 6 and {len(p) for p in parts} <= {241, 242}
    assert sorted(s for p in parts for s in p) == sorted(str(i) for i in range(1450))


def test_subscriptions_leave_in_paced_batches_within_the_rate() -> None:
    run = Run(
        [StreamRequest("trade", PAIRS)],
        [[TIMEOUT] * 20],
        subscribe_batch=20,
        subscribe_rate=20.0,
        subscribe_burst=40.0,
        duration_s=10,
        tick_s=0.25,
        watchdog_s=60,  # a quiet feed: no stall reconnect within the run
    )
    log = _timed(run)
    run.run()
    subs = [(t, m) for t, m in log if m["method"] == "subscribe"]
    assert [len(m["params"]["symbol"]) for _, m in subs] == [20] * 5
    sent = {s for _, m in subs for s in m["params"]["symbol"]}
    assert sent == {p.symbol for p in PAIRS}
    start = subs[0][0]
    total = 0
    for when, msg in subs:  # never more than burst + rate * elapsed
        total += len(msg["params"]["symbol"])
        assert total <= 40 + 20 * (when - start) + 1e-9
    assert subs[-1][0] - start >= 3.0  # 100 symbols at 20/s after a burst of 40
    assert run.service.rate_limited == 0


def test_exceeded_msg_rate_resends_the_refused_batch_later() -> None:
    run = Run(
        [StreamRequest("trade", PAIRS[:4])],
        [[TIMEOUT] * 12],
        duration_s=5,
        tick_s=0.5,
        watchdog_s=60,
        subscribe_rate=100.0,
        subscribe_burst=100.0,
    )
    refused = []

    def refuse_first(ws: FakeWs) -> None:
        first = next(m for m in ws.sent if m["method"] == "subscribe")
        refused.append(first["req_id"])
        ws.inbox.append(
            json.dumps(
                {"method": "subscribe", "req_id": first["req_id"], "success": False,
                 "error": "Exceeded msg rate", "time_in": "x", "time_out": "y"}
            )
        )  # fmt: skip

    run.connect.scripts[0][:0] = ['{"channel":"heartbeat"}', refuse_first]
    run.connect.auto_ack = False  # acks would come before the refusal otherwise
    run.run()
    subs = [m for m in run.sent() if m["method"] == "subscribe"]
    assert len(subs) == 2 and subs[1]["params"]["symbol"] == sorted(p.symbol for p in PAIRS[:4])
    assert run.service.rate_limited == 1
    assert any(e["event"] == "rate_limited" for e in run.events)


def test_pacer_bucket_and_penalty() -> None:
    clock = FakeClock()
    pacer = SubscribePacer(10.0, 20.0, clock=clock)
    assert pacer.take(20) and not pacer.take(1)
    clock.advance(0.5)
    assert pacer.take(5) and not pacer.take(1)
    pacer.penalize(1.0)
    clock.advance(1.0)
    assert not pacer.take(1)
    clock.advance(0.2)
    assert pacer.take(1)
    assert SubscribePacer().take(10_000)  # rate 0: no pacing


def test_connect_gate_spaces_connects_and_keeps_the_window_budget() -> None:
    clock = FakeClock(0.0)
    gate = ConnectGate(3, window_s=10.0, spacing_s=1.0, clock=clock, sleep=clock.sleep)
    waits = [gate.wait() for _ in range(5)]
    # the 4th waits for the 1st to leave the window; the 5th for the 2nd
    assert waits == [0.0, 1.0, 1.0, 8.0, 1.0] and clock() == 11.0
    assert gate.connects == 5
