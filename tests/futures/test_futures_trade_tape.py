"""Futures trades exactly once: marks, uid dedupe, the REST gap fill (pure, scripted pages)."""

from __future__ import annotations

from typing import Any

from kraken_cli.models.futures import iso_ms
from kraken_cli.services.stream.futures_trades import Mark, TradeTape, marks_from, rest_record
from tests.futures.helpers import sample

P = "PF_XBTUSD"


def _tape_rows(times: list[int]) -> list[dict[str, Any]]:
    """REST ``history`` rows (the real sample's shape), oldest first, uid ``u<index>``."""
    (shape,) = sample("futures-rest-history.json")["history"]
    return [
        {**shape, "time": iso_ms(ms), "uid": f"u{n}", "price": 61000 + n}
        for n, ms in enumerate(times)
    ]


class History:
    """REST ``history``: the 100 trades before ``lastTime`` (exclusive), newest first."""

    def __init__(self, rows: list[dict[str, Any]], inclusive: bool = False) -> None:
        self.rows, self.inclusive, self.calls = rows, inclusive, []  # type: list[str | None]

    def __call__(self, symbol: str, last_time: str | None) -> list[dict[str, Any]]:
        self.calls.append(last_time)
        before = [
            r
            for r in self.rows
            if last_time is None
            or r["time"] < last_time
            or (self.inclusive and r["time"] == last_time)
        ]
        return list(reversed(before))[:100]


def _live(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rest_record(P, r) for r in rows]


def test_a_gap_after_the_mark_is_filled_from_rest_once_in_order() -> None:
    # 450 trades, several sharing a millisecond (also across page boundaries)
    times = [1_000 + n // 3 for n in range(450)]
    rows = _tape_rows(times)
    history = History(rows)
    events: list[dict[str, Any]] = []
    mark_row = rows[40]
    same_ms = [r["uid"] for r in rows if r["time"] == mark_row["time"] and r is not rows[41]]
    tape = TradeTape(marks_from({P: (mark_row["time"], same_ms[:2])}), history, events.append)
    tape.connected([P])
    out = tape.admit(P, _live(rows[430:]), snapshot=True)
    assert [r["trade_uid"] for r in out] == [r["uid"] for r in rows if r not in rows[:41]]
    assert events[0]["event"] == "backfill" and events[0]["count"] == 430 - 41
    assert len(history.calls) == 4  # ~100 per page back to the mark
    # the same trades again (a reconnect's snapshot) are all known: nothing given twice
    tape.connected([P])
    assert tape.admit(P, _live(rows[440:]), snapshot=True) == []


def test_an_inclusive_last_time_bound_still_gives_each_trade_once() -> None:
    rows = _tape_rows([5_000 + n // 7 for n in range(300)])
    tape = TradeTape(marks_from({P: (rows[9]["time"], ["u7", "u8", "u9"])}), History(rows, True),
                     lambda e: None)  # fmt: skip
    tape.connected([P])
    out = tape.admit(P, _live(rows[290:]), snapshot=True)
    assert [r["trade_uid"] for r in out] == [f"u{n}" for n in range(10, 300)]


def test_live_trades_before_the_snapshot_are_held_and_merged() -> None:
    rows = _tape_rows(list(range(100, 130)))
    tape = TradeTape({}, None, lambda e: None)
    tape.connected([P])
    assert tape.admit(P, _live(rows[28:29])) == []  # raced ahead of the snapshot
    out = tape.admit(P, _live(rows[20:28]), snapshot=True)
    assert [r["trade_uid"] for r in out] == [f"u{n}" for n in range(20, 29)]
    assert [r["trade_uid"] for r in tape.admit(P, _live(rows[29:]))] == ["u29"]


def test_a_gap_rest_cannot_reach_is_reported_not_hidden() -> None:
    rows = _tape_rows(list(range(1000, 1050)))
    events: list[dict[str, Any]] = []
    # the mark is older than anything REST keeps
    tape = TradeTape({P: Mark(10, {"old"})}, History(rows), events.append)
    tape.connected([P])
    out = tape.admit(P, _live(rows[45:]), snapshot=True)
    assert [r["trade_uid"] for r in out] == [f"u{n}" for n in range(50)]
    assert [e["event"] for e in events] == ["gap", "backfill"]


def test_without_a_mark_the_first_snapshot_starts_the_stream() -> None:
    rows = _tape_rows(list(range(10)))
    history = History(rows)
    tape = TradeTape({}, history, lambda e: None)
    tape.connected([P])
    assert len(tape.admit(P, _live(rows), snapshot=True)) == 10
    assert history.calls == []


def test_a_failed_rest_page_is_tried_again_from_the_start_of_the_gap() -> None:
    from kraken_cli.errors import NetworkError

    rows = _tape_rows(list(range(2000, 2300)))
    history = History(rows)
    calls = {"n": 0}

    def flaky(symbol: str, last_time: str | None) -> list[dict[str, Any]]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise NetworkError("HTTP 520")
        return history(symbol, last_time)

    events: list[dict[str, Any]] = []
    slept: list[float] = []
    tape = TradeTape({P: Mark(2010, {"u10"})}, flaky, events.append, sleep=slept.append)
    tape.connected([P])
    out = tape.admit(P, _live(rows[290:]), snapshot=True)
    assert [r["trade_uid"] for r in out] == [f"u{n}" for n in range(11, 300)]
    assert [e["event"] for e in events] == ["backfill_error", "backfill"] and slept == [1.0]
