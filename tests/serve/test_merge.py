"""Trades and candles: REST/history rows merged with what the stream has seen (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kraken_cli.serve.merge import merge_candles, merge_trades

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def trade(tid: int, second: int, *, live: bool = False) -> dict[str, Any]:
    record = {
        "symbol": "BTC/USD",
        "trade_id": tid,
        "time": f"2026-11-30T12:00:{second:02d}.000001Z",
        "price": "64000.00000",
        "volume": "0.10000000",
        "side": "buy",
        "ord_type": "limit",
    }
    return {"channel": "trade", **record, "price": "live"} if live else record


def test_trades_union_without_duplicates_ascending_and_rest_wins_a_tie() -> None:
    rest = [trade(1, 1), trade(2, 2), trade(3, 3)]
    live = [trade(3, 3, live=True), trade(4, 4, live=True), trade(5, 5, live=True)]
    merged = merge_trades(rest, live, start=None, end=None, limit=100)
    assert [t["trade_id"] for t in merged] == [1, 2, 3, 4, 5]
    assert merged[2] == trade(3, 3)  # the REST row: the CLI's answer
    assert merged[3]["price"] == "live" and "channel" not in merged[3]


def test_trades_limit_keeps_the_latest_or_the_first_from_start() -> None:
    rest = [trade(1, 1), trade(2, 2)]
    live = [trade(3, 3, live=True), trade(4, 4, live=True)]
    latest = merge_trades(rest, live, start=None, end=None, limit=2)
    assert [t["trade_id"] for t in latest] == [3, 4]
    start = datetime(2026, 11, 30, 12, 0, 2, tzinfo=UTC)
    end = datetime(2026, 11, 30, 12, 0, 4, tzinfo=UTC)
    first = merge_trades(rest[1:], live, start=start, end=end, limit=10)
    assert [t["trade_id"] for t in first] == [2, 3]  # 4 falls at `to`: outside [from, to)


def candle(minute: int, count: int, close: str = "1") -> dict[str, Any]:
    return {
        "symbol": "BTC/USD",
        "time": f"2026-11-30T12:{minute:02d}:00Z",
        "open": "1",
        "high": "1",
        "low": "1",
        "close": close,
        "vwap": "1",
        "volume": "1",
        "count": count,
    }


def test_candles_take_the_version_with_more_trades_and_skip_the_forming_one() -> None:
    rows = [candle(0, 5), candle(1, 3)]
    live = [
        {**candle(1, 7, close="2"), "channel": "ohlc", "interval": 1},
        {**candle(2, 1, close="3"), "channel": "ohlc", "interval": 1},
        {**candle(0, 4, close="9"), "channel": "ohlc", "interval": 1},  # fewer trades: stale
    ]
    end = datetime(2026, 11, 30, 12, 3, tzinfo=UTC)
    now = datetime(2026, 11, 30, 12, 2, 30, tzinfo=UTC)
    kwargs: dict[str, Any] = {"start": T0, "end": end, "interval_s": 60}
    closed = merge_candles(rows, live, closed_before=now, **kwargs)
    assert [(c["time"][11:16], c["close"]) for c in closed] == [("12:00", "1"), ("12:01", "2")]
    assert "channel" not in closed[1] and "interval" not in closed[1]
    partial = merge_candles(rows, live, closed_before=None, **kwargs)
    assert [c["close"] for c in partial] == ["1", "2", "3"]
