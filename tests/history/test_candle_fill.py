"""services.candle_fill: flat candles between and after market candles (``krx candles --fill``)."""

from __future__ import annotations

import calendar
from decimal import Decimal

from kraken_cli.models.intervals import parse_interval
from kraken_cli.models.market import Candle
from kraken_cli.services.history.fill import fill_candles


def _c(t: int, close: str) -> Candle:
    d = Decimal(close)
    return Candle("BTC/USD", t, d, d, d, d, d, Decimal("1.00000000"), 3)


def test_gaps_and_tail_up_to_until() -> None:
    rows = [_c(0, "10"), _c(180, "12")]
    out = list(fill_candles(rows, parse_interval("min1"), until=300))
    assert [c.time for c in out] == [0, 60, 120, 180, 240]
    flat = out[1]
    assert (flat.open, flat.high, flat.low, flat.close, flat.vwap) == (Decimal(10),) * 5
    assert flat.volume == 0 and str(flat.volume) == "0E-8" and flat.count == 0
    assert out[4].close == Decimal(12) and out[4].symbol == "BTC/USD"


def test_calendar_months() -> None:
    jan, apr = calendar.timegm((2026, 1, 1, 0, 0, 0)), calendar.timegm((2026, 4, 1, 0, 0, 0))
    out = list(fill_candles([_c(jan, "5"), _c(apr, "6")], parse_interval("month"), None))
    assert [c.time for c in out] == [
        jan,
        calendar.timegm((2026, 2, 1, 0, 0, 0)),
        calendar.timegm((2026, 3, 1, 0, 0, 0)),
        apr,
    ]


def test_no_candles_no_fill() -> None:
    assert list(fill_candles([], parse_interval("h1"), until=10**9)) == []
