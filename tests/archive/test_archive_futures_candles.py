"""krx candles --market futures over a range the Parquet archive covers: built from the archived
futures trades with the history store's aggregation and zero HTTP calls, in the charts path's
record; anything else (beyond the archive, --partial without --until, mark prices) goes to the
charts API as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.archive.trades import ArchivedTrades
from kraken_cli.archive.writer import ArchiveWriter
from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.models.futures_market import parse_chart_candle
from kraken_cli.services.market.futures import FuturesMarketData
from kraken_cli.services.market.request import Window
from tests.archive.test_archive_candles import _reference

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=6)
STEP_MS = 2_300
SYMBOL = "PF_XBTUSD"


def _trades(count: int) -> list[dict[str, Any]]:
    """Futures fills: no trade_id; every fifth slot two fills in one millisecond."""
    rows = []
    for n in range(count):
        moment = START + timedelta(milliseconds=STEP_MS * (n // 2 if n % 10 < 2 else n))
        rows.append(
            {
                "trade_id": None,
                "trade_uid": f"uid-{n:06d}",
                "seq": 1000 + n,
                "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "price": f"{84000 + (n * 37) % 500}" + (".5" if n % 3 == 0 else ""),
                "volume": f"0.{(n % 97) + 1:04d}",
                "side": "buy" if n % 2 else "sell",
                "ord_type": "fill",
            }
        )
    rows.sort(key=lambda r: r["time"])  # stable: fills of one millisecond keep their order
    return rows


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    trades = _trades(8000)  # ~5.1 hours
    writer = ArchiveWriter(tmp_path, "futures", max_rows=700)  # several parts
    for row in trades:
        writer.write("trades", SYMBOL, row)
    writer.close()
    return tmp_path, trades


def _service(root: Path, calls: list[str]) -> FuturesMarketData:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("no network in this test", request=request)

    client = FuturesRest(
        "https://futures.kraken.com", transport=httpx.MockTransport(handler), sleep=lambda s: None
    )
    return FuturesMarketData(
        client, wall=NOW.timestamp, trade_archive=ArchivedTrades(root, "futures")
    )


def test_futures_candles_the_archive_covers_make_no_http_call(
    archive: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, trades = archive
    calls: list[str] = []
    since, until = START + timedelta(minutes=5), START + timedelta(hours=3)
    candles = list(_service(root, calls).candles(SYMBOL, "1m", Window(since, until)))
    assert calls == []
    got = [(c.time, c.open, c.high, c.low, c.close, c.volume, c.count) for c in candles]
    assert got == _reference(trades, since, until)
    assert all(c.vwap is None for c in candles)
    # the charts path's record: the same keys, numbers as text without trailing zeros
    chart = parse_chart_candle(SYMBOL, {"time": 0, "open": "1", "high": "1", "low": "1",
                                        "close": "1", "volume": "1.5"})  # fmt: skip
    record = candles[0].to_record()
    assert record.keys() == chart.to_record().keys()
    numbers = [record[k] for k in ("open", "high", "low", "close", "volume")]
    assert all(isinstance(n, str) and not ("." in n and n.endswith(("0", "."))) for n in numbers)
    assert record["vwap"] is None and record["count"] == got[0][-1]


def test_futures_candles_start_where_the_charts_path_starts(
    archive: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, trades = archive
    calls: list[str] = []
    since = START + timedelta(minutes=30, seconds=20)  # inside a 1h candle, a 2h one
    until = START + timedelta(hours=3, minutes=10)
    service = _service(root, calls)
    hourly = list(service.candles(SYMBOL, "1h", Window(since, until)))
    assert [c.time for c in hourly] == [int((START + timedelta(hours=h)).timestamp())
                                        for h in (1, 2, 3)]  # fmt: skip
    # h2 is aggregated by the charts path from the candle holding the start
    two_hourly = list(service.candles(SYMBOL, "2h", Window(since + timedelta(hours=2), until)))
    lo, hi = START + timedelta(hours=2), START + timedelta(hours=4)
    inside = [t for t in trades if lo <= datetime.fromisoformat(t["time"]) < hi]
    assert [(c.time, c.count) for c in two_hourly] == [(int(lo.timestamp()), len(inside))]
    assert calls == []


def test_futures_candles_the_archive_cannot_prove_go_to_the_charts(
    archive: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, _ = archive
    calls: list[str] = []
    service = _service(root, calls)
    inside = Window(START + timedelta(minutes=5), START + timedelta(hours=1))
    asks = [
        (Window(START - timedelta(minutes=10), START + timedelta(hours=1)), {}),  # before it
        (Window(START + timedelta(hours=1), START + timedelta(hours=6)), {}),  # past its end
        (Window(START + timedelta(minutes=5)), {"partial": True}),  # the forming candle
        (inside, {"tick_type": "mark"}),  # mark prices are not trades
    ]
    for window, options in asks:
        before = len(calls)
        with pytest.raises(Exception):  # noqa: B017 - the transport fails every call
            list(service.candles(SYMBOL, "1m", window, **options))
        assert len(calls) > before


def test_archived_futures_trades_read_in_time_order_fills_of_one_ms_as_written(
    tmp_path: Path,
) -> None:
    trades = _trades(40)
    late, early = trades[20:], trades[:20]
    for name, rows in (("part-a.parquet", late), ("part-b.parquet", early)):
        writer = ArchiveWriter(tmp_path, "futures")
        for row in rows:
            writer.write("trades", SYMBOL, row)
        writer.close()
        (part,) = tmp_path.rglob("part-2*.parquet")
        part.rename(part.with_name(name))  # the first part by name holds the later trades
    got = list(ArchivedTrades(tmp_path, "futures").trades(SYMBOL, 0, 2**62))
    want = [datetime.fromisoformat(t["time"]) for t in trades]
    assert [ns // 1000 for ns, _, _ in got] == [int(w.timestamp() * 1e6) for w in want]
    assert [Decimal(p) for _, p, _ in got] == [Decimal(t["price"]) for t in trades]
