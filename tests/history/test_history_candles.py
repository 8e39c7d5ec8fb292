"""The candles service's history branch: trades before the seam, OHLC after, nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from kraken_cli.client.spot_public import OhlcPage
from kraken_cli.models.intervals import parse_interval
from kraken_cli.models.market import Candle as MarketCandle
from kraken_cli.models.symbols import Pair
from kraken_cli.models.trade_rows import TradeRowsPage, trade_row
from kraken_cli.services.history.aggregate import NS, Precision, aggregate
from kraken_cli.services.history.candles import HistoryStats, history_candles
from kraken_cli.services.history.store import TradeStore
from tests.history.fakes import FakeTrades, make_tape

PAIR = Pair(
    key="XXBTZUSD",
    altname="XBTUSD",
    wsname="XBT/USD",
    symbol="BTC/USD",
    base="BTC",
    quote="USD",
    base_id="XXBT",
    quote_id="ZUSD",
    pair_decimals=1,
    lot_decimals=8,
    cost_decimals=5,
    tick_size=Decimal("0.1"),
    ordermin=None,
    costmin=None,
)


@dataclass
class FakeHttp:
    base_url: str = "http://127.0.0.1:1"


@dataclass
class FakeApi:
    """Trades from a tape; OHLC = the last 720 candles of the same tape (last one forming)."""

    tape: list
    now: int
    http: FakeHttp = field(default_factory=FakeHttp)
    ohlc_calls: int = 0

    def __post_init__(self) -> None:
        visible = [t for t in self.tape if t.time_ns < (self.now + 1) * NS]
        self.fake = FakeTrades(visible)

    def trade_rows(self, altname: str, symbol: str, since: str | None = None) -> TradeRowsPage:
        page = self.fake(since or "0")
        return TradeRowsPage([trade_row(t) for t in page.trades], page.last)

    def ohlc(self, altname: str, symbol: str, minutes: int, since: int | None = None) -> OhlcPage:
        self.ohlc_calls += 1
        step = minutes * 60
        rows = [(t.time_ns, t.price, t.volume) for t in self.tape if t.time_ns <= self.now * NS]
        candles = [
            MarketCandle(
                "BTC/USD", c.time, c.open, c.high, c.low, c.close, c.vwap, c.volume, c.count
            )
            for _, c in aggregate(rows, [step], Precision(1, 8))
        ]
        current = self.now - self.now % step
        candles = [c for c in candles if c.time > current - 720 * step]
        return OhlcPage(candles, current - step)


def _run(api: FakeApi, store: TradeStore, interval: str, since: int, until: int | None):
    iv = parse_interval(interval)
    window_start = iv.open_time(api.now) - 719 * iv.seconds
    stats = HistoryStats()
    got = list(
        history_candles(
            api,
            PAIR,
            iv,
            iv.open_time(since),
            until,
            now=api.now,
            window_start=window_start,
            store=store,
            stats=stats,
        )
    )
    return got, stats


@pytest.fixture
def store(tmp_path: Path):
    with TradeStore(tmp_path / "trades.sqlite") as s:
        yield s


def test_seam_joins_trades_and_ohlc_without_gap_or_duplicate(store: TradeStore) -> None:
    tape = make_tape(6000, 11)  # ~3 days of trades, one every ~45 s
    now = tape[-1].time_ns // NS - 600
    api = FakeApi(tape, now)
    since = tape[0].time_ns // NS
    got, stats = _run(api, store, "min1", since, None)
    times = [c.time for c in got]
    assert times == sorted(set(times))
    rows = [(t.time_ns, t.price, t.volume) for t in tape if t.time_ns < (now - now % 60) * NS]
    want = [c for _, c in aggregate(rows, [60], Precision(1, 8)) if c.time >= since - since % 60]
    assert [(c.time, c.open, c.close, c.vwap, c.volume, c.count) for c in got] == [
        (c.time, c.open, c.close, c.vwap, c.volume, c.count) for c in want
    ]
    assert api.ohlc_calls == 1 and stats.calls > 0
    # the same query again: no Trades call (the store covers it)
    again, stats2 = _run(api, store, "min1", since, None)
    assert again == got and stats2.calls == 0


def test_range_before_the_window_makes_no_ohlc_call(store: TradeStore) -> None:
    tape = make_tape(6000, 12)
    now = tape[-1].time_ns // NS
    api = FakeApi(tape, now)
    since, until = tape[0].time_ns // NS, tape[2000].time_ns // NS
    got, first = _run(api, store, "min1", since, until)
    assert api.ohlc_calls == 0 and got and got[-1].time < until and first.calls > 0
    _, stats2 = _run(api, store, "min1", since, until)
    assert stats2.calls == 0 and api.ohlc_calls == 0


def test_non_native_interval_comes_from_trades_and_drops_the_forming_candle(
    store: TradeStore,
) -> None:
    tape = make_tape(3000, 13)
    now = tape[-1].time_ns // NS + 1
    api = FakeApi(tape, now)
    got, _ = _run(api, store, "h2", tape[0].time_ns // NS, None)
    assert api.ohlc_calls == 0
    assert all(c.time % 7200 == 0 for c in got)
    assert got[-1].time + 7200 <= now
    assert sum(c.count for c in got) == sum(
        1 for t in tape if got[0].time * NS <= t.time_ns < (got[-1].time + 7200) * NS
    )
