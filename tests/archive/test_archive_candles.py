"""krx candles over a range the Parquet archive covers: built from the archive's trades, with
zero HTTP calls; a range it cannot prove complete goes to Kraken as before."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.archive.trades import ArchivedTrades, archive_for
from kraken_cli.archive.writer import ArchiveWriter
from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.models.symbols import Pair
from kraken_cli.services.market.request import Window
from kraken_cli.services.market.spot import SpotMarketData

BTC = Pair("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "BTC", "USD", "XXBT", "ZUSD", 1, 8, 5,
           Decimal("0.1"), Decimal("0.0001"), Decimal("0.5"))  # fmt: skip
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=3)  # before the 720-minute OHLC window of 1m candles
STEP_S = 7


class _Resolver:
    def resolve(self, text: str) -> Pair:
        return BTC


def _trades(count: int) -> list[dict[str, Any]]:
    return [
        {
            "trade_id": 100 + n,
            "time": (START + timedelta(seconds=STEP_S * n, microseconds=n)).isoformat(),
            "price": f"{64000 + (n * 37) % 500}.{n % 10}",
            "volume": f"0.{n:08d}",
            "side": "buy" if n % 2 else "sell",
            "ord_type": "limit",
        }
        for n in range(count)
    ]


def _service(root: Path, calls: list[str]) -> SpotMarketData:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(500)

    http = KrakenHttp("https://api.kraken.com", transport=httpx.MockTransport(handler))
    return SpotMarketData(
        SpotPublic(http),
        _Resolver(),  # type: ignore[arg-type]
        wall=NOW.timestamp,
        trade_archive=ArchivedTrades(root),
    )


def _reference(trades: list[dict[str, Any]], since: datetime, until: datetime) -> list[tuple]:
    buckets: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in trades:
        moment = datetime.fromisoformat(t["time"])
        if since <= moment.replace(second=0, microsecond=0) < until:
            buckets[int(moment.timestamp()) // 60 * 60].append(t)
    return [
        (
            minute,
            Decimal(rows[0]["price"]),
            max(Decimal(r["price"]) for r in rows),
            min(Decimal(r["price"]) for r in rows),
            Decimal(rows[-1]["price"]),
            sum(Decimal(r["volume"]) for r in rows),
            len(rows),
        )
        for minute, rows in sorted(buckets.items())
    ]


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    trades = _trades(2000)  # ~3.9 hours of trades
    writer = ArchiveWriter(tmp_path, "spot", max_rows=300)  # several parts
    for row in trades:
        writer.write("trades", "BTC/USD", row)
    writer.close()
    return tmp_path, trades


def test_candles_the_archive_covers_make_no_http_call(
    archive: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, trades = archive
    calls: list[str] = []
    since, until = START + timedelta(minutes=5), START + timedelta(hours=3)
    candles = list(_service(root, calls).candles("BTCUSD", "1m", Window(since, until)))
    assert calls == []
    got = [(c.time, c.open, c.high, c.low, c.close, c.volume, c.count) for c in candles]
    assert got == _reference(trades, since, until)
    assert candles[0].vwap is not None


def test_a_range_beyond_the_archive_goes_to_kraken(
    archive: tuple[Path, list[dict[str, Any]]],
) -> None:
    root, _ = archive
    calls: list[str] = []
    service = _service(root, calls)
    for since in (START - timedelta(minutes=10), START):  # before, or at, the first trade
        with pytest.raises(Exception):  # noqa: B017 - the mock server answers 500
            list(service.candles("BTCUSD", "1m", Window(since, START + timedelta(hours=1))))
    beyond = Window(START + timedelta(hours=1), START + timedelta(hours=5))
    with pytest.raises(Exception):  # noqa: B017
        list(service.candles("BTCUSD", "1m", beyond))
    assert len(calls) >= 3


def test_which_archive_candles_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KRX_ARCHIVE", raising=False)
    assert archive_for("http://127.0.0.1:5000") is None  # a sandbox: not the default archive
    monkeypatch.setenv("KRX_ARCHIVE", str(tmp_path))
    assert archive_for("http://127.0.0.1:5000") is None  # nothing archived there yet
    writer = ArchiveWriter(tmp_path, "spot")
    writer.write("trades", "BTC/USD", _trades(1)[0])
    writer.close()
    assert archive_for("http://127.0.0.1:5000") is not None
