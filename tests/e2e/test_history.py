"""Long candle history against the real sandbox: multi-day ranges, the seam, resume, cache."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.errors import KrxError
from kraken_cli.models.intervals import parse_interval
from kraken_cli.services.history.aggregate import NS, Precision
from kraken_cli.services.history.candle_sources import trade_candles
from kraken_cli.services.history.candles import HistoryStats, store_pair_name, sync_trades
from kraken_cli.services.history.store import TradeStore
from kraken_cli.services.market import Window
from kraken_cli.services.market.spot import MarketService
from kraken_cli.services.market.symbols import SymbolResolver
from tests.history.reference import reference_candles
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e
KEY = "XXBTZUSD"


def _tape(rest: str) -> list[dict[str, Any]]:
    text = httpx.get(f"{rest}/sandbox/tape", params={"pair": KEY}, timeout=60).text
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def hist_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A sandbox with 2 days of history, one trade every ~30 s (about 6 pages of Trades)."""
    from tests.e2e.conftest import start_sandbox

    handle = start_sandbox(tmp_path_factory.mktemp("hist"), history_days=2, trade_interval=30)
    try:
        yield handle
    finally:
        handle.stop()


def _api(rest: str, retries: int = 4) -> SpotPublic:
    return SpotPublic(
        KrakenHttp(rest, pacer=PublicPacer(0), retry=RetryPolicy(max_attempts=retries))
    )


def _fields(c: Any) -> tuple[Any, ...]:
    return (c.time, c.open, c.high, c.low, c.close, c.vwap, c.volume, c.count)


def test_multi_day_min1_candles_equal_the_ground_truth_across_the_seam(
    hist_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    api = _api(hist_sandbox.rest_url)
    svc = MarketService(api, SymbolResolver(api, hist_sandbox.rest_url, cache_dir=tmp_path))
    since = datetime.fromtimestamp(time.time() - 1.5 * 86400, UTC)
    got = list(svc.candles("BTCUSD", parse_interval("min1"), Window(since)))
    assert len(got) > 720  # more than the OHLC window can give
    times = [c.time for c in got]
    assert times == sorted(set(times))  # no duplicate at the seam
    tape = _tape(hist_sandbox.rest_url)
    start = int(since.timestamp()) // 60 * 60
    rows = [(t["time_ns"], t["price"], t["volume"]) for t in tape]
    want = [c for c in reference_candles(rows, 60, 1, 8) if start <= c.time < got[-1].time + 60]
    assert [_fields(c) for c in got] == [_fields(c) for c in want]
    svc.close()


def test_trades_built_candles_equal_ohlc_on_the_overlap(hist_sandbox: Any, tmp_path: Path) -> None:
    api = _api(hist_sandbox.rest_url)
    page = api.ohlc("XBTUSD", "BTC/USD", 5)
    committed = [c for c in page.candles if page.last is None or c.time <= page.last]
    first, last = committed[0].time, committed[-1].time + 300
    with TradeStore(tmp_path / "t.sqlite") as store:
        name = store_pair_name(KEY, hist_sandbox.rest_url)
        sync_trades(
            store, name, first * NS, last * NS, lambda s: api.trades("XBTUSD", "BTC/USD", since=s)
        )
        built = [c for _, c in trade_candles(store, name, [300], first, last, Precision(1, 8))]
    assert [_fields(c) for c in built] == [_fields(c) for c in committed]
    api.http.close()


def test_interrupted_download_resumes_without_gap_or_duplicate(
    hist_sandbox: Any, tmp_path: Path
) -> None:
    api = _api(hist_sandbox.rest_url, retries=1)  # no retry: a fault ends the download
    tape = _tape(hist_sandbox.rest_url)
    start, end = tape[0]["time_ns"], tape[-1]["time_ns"] - 3600 * NS
    calls = 0

    def flaky(since: str) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            hist_sandbox.control({"http_error": {"code": 520, "count": 1}})
        return api.trades("XBTUSD", "BTC/USD", since=since)

    name = store_pair_name(KEY, hist_sandbox.rest_url)
    with TradeStore(tmp_path / "t.sqlite") as store:
        with pytest.raises(KrxError):
            sync_trades(store, name, start, end, flaky)
        partial = store.coverage(name)
        assert len(partial) == 1 and partial[0][1] < end - 1
        stats = sync_trades(store, name, start, end, flaky)
        assert stats.calls >= 1
        ids = [t.trade_id for t in store.iter_full(name, 0, 2**63 - 1)]
        truth = [t["trade_id"] for t in tape if start <= t["time_ns"] < end]
        assert len(ids) == len(set(ids))  # no duplicate
        wanted = set(truth)
        assert [i for i in ids if i in wanted] == truth  # no gap, in order
        again = HistoryStats()
        sync_trades(store, name, start, end, flaky, stats=again)
        assert again.calls == 0  # cached re-query: zero calls
    api.http.close()


_CLI_READY = importlib.util.find_spec("kraken_cli.config.loader") is not None


def _krx_runner(handle: Any, tmp: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", "--debug", *args],
            capture_output=True,
            text=True,
            env=krx_env(tmp, sandbox=handle),
            cwd=tmp,
            timeout=120,
        )

    return run


@pytest.mark.skipif(not _CLI_READY, reason="needs the config loader (krx --sandbox)")
def test_cli_cached_requery_makes_no_trades_call(hist_sandbox: Any, tmp_path: Path) -> None:
    krx = _krx_runner(hist_sandbox, tmp_path)
    since = str(int(time.time() - 36 * 3600))
    until = str(int(time.time() - 24 * 3600))  # entirely before the min1 OHLC window
    args = ("candles", "BTCUSD", "min1", "--since", since, "--until", until, "--format", "csv")
    first = krx(*args)
    assert first.returncode == 0, first.stderr
    assert "/0/public/Trades" in first.stderr
    second = krx(*args)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert "/0/public/Trades" not in second.stderr and "/0/public/OHLC" not in second.stderr
    info = krx("cache", "info", "--format", "json")
    assert json.loads(info.stdout)[0]["trades"] > 0
