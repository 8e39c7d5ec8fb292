"""Long candle history: aggregation speed, memory, REST calls per trade, cached re-query.

Targets (issue 7): (a) aggregation >= 300k trades/s on one core; (b) peak RSS for 5 million
trades < 150 MB (flat: trades are generated lazily and never held); (c) Trades calls for a range
of N trades <= 1.01 x ceil(N/1000); (d) a cached re-query makes 0 calls.

Against floors (issue 17), in the same run, on a local server of real-shaped Trades pages
(``bench/trades_server.py``, 30 days of BTC/USD): (e) unpaced download of the whole range
into a fresh store <= 1.3 x an ``http.client`` + SQLite floor; (f) the cached min1 candle
query of that range, rendered as JSON lines, <= 1.3 x a SQLite + integer floor with the same
output bytes (floors in ``bench/history_floors.py``).

Run: ``make bench`` or ``python bench/history.py [--trades-mem 5000000] [--floors-only]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _util import ROOT, Result, print_table, report

sys.path.insert(0, str(ROOT))

from kraken_cli.models.intervals import MONTH
from kraken_cli.services.history.aggregate import DAY, NS, Precision, aggregate

THROUGHPUT_TARGET = 300_000
MEMORY_TARGET_MB = 150.0
CALLS_TARGET = 1.01
FLOOR_TARGET = 1.3


def synthetic_trades(n: int, seed: int = 1) -> Iterator[tuple[int, str, str]]:
    """Yield ``n`` Kraken-shaped trades lazily (about one every second, runs of equal times)."""
    rng = random.Random(seed)
    t, price = 1_700_000_000 * NS, 640_000
    randrange, rand = rng.randrange, rng.random
    for _ in range(n):
        if rand() > 0.25:
            t += randrange(1, 2 * NS)
        price += randrange(-3, 4)
        yield t, f"{price // 10}.{price % 10}0000", f"0.{randrange(1, 10**8):08d}"


def bench_throughput(n: int) -> list[list[object]]:
    """Return rows: trades/s for one interval and for five intervals in one pass."""
    trades = list(synthetic_trades(n))
    rows: list[list[object]] = []
    for label, periods in (
        ("min1", [60]),
        ("min1+h1+h2+day+month, one pass", [60, 3600, 7200, DAY, MONTH]),
    ):
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            for _candle in aggregate(trades, periods, Precision(1, 8)):
                pass
            best = min(best, time.perf_counter() - start)
        rate = n / best
        rows.append(
            [
                f"(a) aggregation {label}",
                f"{rate:,.0f} trades/s",
                f">= {THROUGHPUT_TARGET:,}",
                f"{rate / THROUGHPUT_TARGET:.2f}x",
            ]
        )
    return rows


def _memory_child(n: int) -> None:
    """Aggregate ``n`` lazily generated trades; print the peak RSS in MB as JSON."""
    candles = 0
    for _candle in aggregate(synthetic_trades(n), [60, 3600, DAY], Precision(1, 8)):
        candles += 1
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mb": peak_kb / 1024, "candles": candles}))


def bench_memory(n: int) -> list[list[object]]:
    """Return the peak-RSS row for ``n`` trades and a baseline for 10k (to show it is flat)."""
    rows: list[list[object]] = []
    results = {}
    for count in (10_000, n):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(count)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[count] = json.loads(out.stdout)
    peak = results[n]["peak_mb"]
    rows.append(
        [
            f"(b) peak RSS, {n:,} trades (10k trades: {results[10_000]['peak_mb']:.1f} MB)",
            f"{peak:.1f} MB",
            f"< {MEMORY_TARGET_MB:.0f} MB",
            f"{peak / MEMORY_TARGET_MB:.2f}x",
        ]
    )
    return rows


def bench_sandbox(days: float, trade_interval: float, url: str | None) -> list[list[object]]:
    """Download a range of sandbox trades; count calls against the minimum; re-query cached."""
    try:
        from kraken_cli.client.http import KrakenHttp
        from kraken_cli.client.pacing import PublicPacer
        from kraken_cli.client.spot_public import SpotPublic
    except ImportError as exc:  # the client has not landed in this tree
        return [["(c)/(d) sandbox", f"skipped: {exc}", "", ""]]
    if url is not None:
        return _measure_calls(url, KrakenHttp, PublicPacer, SpotPublic)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "kraken_cli.sandbox", "--port", "0", "--seed", "7"),
                *("--state-file", str(Path(tmp) / "sandbox.json")),
                *("--history-days", str(days), "--trade-interval", str(trade_interval)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            return _measure_calls(_wait_rest_url(proc), KrakenHttp, PublicPacer, SpotPublic)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _measure_calls(rest: str, http_cls: Any, pacer_cls: Any, api_cls: Any) -> list[list[object]]:
    import httpx

    from kraken_cli.services.history.candles import store_pair_name, sync_trades
    from kraken_cli.services.history.store import TradeStore

    lines = httpx.get(f"{rest}/sandbox/tape", params={"pair": "XXBTZUSD"}, timeout=120)
    tape = [json.loads(line) for line in lines.text.splitlines() if line.strip()]
    times = [t["time_ns"] for t in tape]
    # the whole history but its last hour, so the range ends inside the tape
    start_ns, end_ns = times[0], times[-1] - 3600 * NS
    truth = {t["trade_id"] for t in tape if start_ns <= t["time_ns"] < end_ns}
    n = len(truth)
    http = http_cls(rest, pacer=pacer_cls(0))  # unpaced: the sandbox does not limit public calls
    api = api_cls(http)

    def fetch(since: str) -> Any:
        return api.trade_rows("XBTUSD", "BTC/USD", since=since)

    with tempfile.TemporaryDirectory() as tmp, TradeStore(Path(tmp) / "t.sqlite") as store:
        pair = store_pair_name("XXBTZUSD", rest)
        began = time.perf_counter()
        stats = sync_trades(store, pair, start_ns, end_ns, fetch)
        cold = time.perf_counter() - began
        began = time.perf_counter()
        again = sync_trades(store, pair, start_ns, end_ns, fetch)
        warm = time.perf_counter() - began
        # compare by trade_id: stored times went through the wire's 7-digit decimal seconds
        ids = {t.trade_id for t in store.iter_full(pair, start_ns - NS, end_ns + NS)}
        stored = len(ids & truth)
    http.close()
    minimum = math.ceil(n / 1000)
    return [
        [
            f"(c) Trades calls for N={n:,} trades (min ceil(N/1000)={minimum}; "
            f"{cold:.1f} s unpaced; stored {stored:,})",
            f"{stats.calls} calls",
            f"<= {CALLS_TARGET} x min",
            f"{stats.calls / minimum:.3f}",
        ],
        [
            f"(d) cached re-query of the same range ({warm * 1000:.1f} ms)",
            f"{again.calls} calls",
            "0",
            "met" if again.calls == 0 and stored == n else "MISSED",
        ],
    ]


def bench_floors(days: float, trade_interval: float, runs: int) -> list[list[object]]:
    """Time krx's download and cached candle query against their floors, same server, same run."""
    import io
    import urllib.request
    from types import SimpleNamespace

    from history_floors import best_of, candles_floor, download_floor

    from kraken_cli.client.http import KrakenHttp
    from kraken_cli.client.pacing import PublicPacer
    from kraken_cli.client.spot_public import SpotPublic
    from kraken_cli.models.intervals import parse_interval
    from kraken_cli.models.symbols import Pair
    from kraken_cli.output.candles import write_candles
    from kraken_cli.output.sink import StdoutSink
    from kraken_cli.output.views import CANDLE_VIEW
    from kraken_cli.services.history.candles import history_candles, store_pair_name, sync_trades
    from kraken_cli.services.history.store import TradeStore

    proc = subprocess.Popen(
        [
            *(sys.executable, str(Path(__file__).with_name("trades_server.py"))),
            *("--days", str(days), "--trade-interval", str(trade_interval)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    tmp = Path(tempfile.mkdtemp())  # seven 20 MB stores: removed when done
    try:
        assert proc.stdout is not None
        rest = f"http://127.0.0.1:{proc.stdout.readline().split()[-1]}"
        with urllib.request.urlopen(f"{rest}/tape", timeout=300) as reply:
            tape = json.loads(reply.read())
        start_ns, end_ns = tape[0][0], tape[-1][0] + 1
        n = len(tape)
        counter = iter(range(1000))

        def floor_download() -> None:
            download_floor(rest, "XBTUSD", start_ns, end_ns, tmp / f"f{next(counter)}.sqlite")

        def krx_download() -> None:
            http = KrakenHttp(rest, pacer=PublicPacer(0))
            api = SpotPublic(http)
            with TradeStore(tmp / f"k{next(counter)}.sqlite") as store:
                sync_trades(
                    store,
                    store_pair_name("XXBTZUSD", rest),
                    start_ns,
                    end_ns,
                    lambda since: api.trade_rows("XBTUSD", "BTC/USD", since=since),
                )
            http.close()

        floor_download()  # warm-up: the server renders and keeps every page
        t_floor_dl, t_krx_dl = best_of(runs, floor_download, krx_download)

        # (f) the cached query, on the store krx just filled
        pair = Pair(
            *("XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "BTC", "USD", "XXBT", "ZUSD"),
            *(1, 8, 5, None, None, None),
        )
        iv = parse_interval("min1")
        since_s, until_s = -(-start_ns // (60 * NS)) * 60, end_ns // (60 * NS) * 60
        now = until_s + 86_400  # the whole range lies before Kraken's OHLC window
        window_start = iv.open_time(now) - 719 * 60
        db = sorted(tmp.glob("k*.sqlite"))[-1]
        api_stub: Any = SimpleNamespace(http=SimpleNamespace(base_url=rest))
        outputs: dict[str, str] = {}

        def krx_query() -> None:
            buf = io.StringIO()
            with TradeStore(db) as store:
                rows = history_candles(
                    *(api_stub, pair, iv, since_s, until_s),
                    now=now,
                    window_start=window_start,
                    store=store,
                )
                # what `krx candles ... --format jsonl` does with the service's candles
                write_candles(StdoutSink("jsonl", out=buf), rows, view=CANDLE_VIEW)
            outputs["krx"] = buf.getvalue()

        def floor_query() -> None:
            buf = io.StringIO()
            with TradeStore(db) as store:
                pid = store.archive.pid(store_pair_name("XXBTZUSD", rest))
            assert pid is not None
            candles_floor(db, pid, since_s, until_s, "BTC/USD", buf)
            outputs["floor"] = buf.getvalue()

        t_floor_q, t_krx_q = best_of(runs, floor_query, krx_query)
        same = outputs["krx"] == outputs["floor"]
        candles = outputs["krx"].count("\n")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    # the summary's figures (make bench): CPU ms against the floor's, target 1.3x
    report(
        [
            Result(
                "history: unpaced 30-day download (CPU)",
                t_krx_dl[1] * 1e3,
                t_floor_dl[1] * 1e3,
                "ms",
                FLOOR_TARGET,
            ),
            Result(
                "history: cached min1 query to JSON lines (CPU)"
                + ("" if same else ", OUTPUT DIFFERS"),
                t_krx_q[1] * 1e3 if same else float("inf"),
                t_floor_q[1] * 1e3,
                "ms",
                FLOOR_TARGET,
            ),
        ]
    )
    return [
        _floor_row(
            f"(e) unpaced download, {days:g} days, {n:,} trades into a fresh store",
            t_krx_dl,
            t_floor_dl,
            "http.client + json(parse_float=str) + SQLite",
            True,
        ),
        _floor_row(
            f"(f) cached min1 query, {candles:,} candles as JSON lines"
            + ("" if same else " (OUTPUT DIFFERS)"),
            t_krx_q,
            t_floor_q,
            "SQLite + integer aggregation + f-string lines",
            same,
        ),
    ]


def _floor_row(
    label: str, krx: tuple[float, float], floor: tuple[float, float], how: str, ok: bool
) -> list[object]:
    """Judge by CPU time (the machine is shared: wall time moves with its load); show both."""
    ratio = krx[1] / floor[1]
    verdict = "met" if ok and ratio <= FLOOR_TARGET else "MISSED"
    return [
        label,
        f"CPU krx {krx[1] * 1000:,.0f} ms, floor ({how}) {floor[1] * 1000:,.0f} ms; "
        f"wall {krx[0] * 1000:,.0f} / {floor[0] * 1000:,.0f} ms ({krx[0] / floor[0]:.2f}x)",
        f"<= {FLOOR_TARGET} x floor",
        f"{ratio:.2f}x {verdict}",
    ]


def _wait_rest_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("REST "):
            return line.split()[-1]
    raise SystemExit("sandbox did not start")


def main() -> int:
    """Run the four measurements, print the table, exit 1 if a target is missed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-child", type=int)
    parser.add_argument("--trades", type=int, default=500_000)
    parser.add_argument("--trades-mem", type=int, default=5_000_000)
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--trade-interval", type=float, default=2.0)
    parser.add_argument("--sandbox-url", help="use this running sandbox instead of starting one")
    parser.add_argument("--floor-days", type=float, default=30.0)
    parser.add_argument("--floor-trade-interval", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3, help="best of N for the floor timings")
    parser.add_argument("--floors-only", action="store_true", help="only (e) and (f)")
    args = parser.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child)
        return 0
    if args.floors_only:
        floors = bench_floors(args.floor_days, args.floor_trade_interval, args.runs)
        print_table("history vs floors (issue 17)", ["measure", "value", "target", "ratio"], floors)
        return 1 if any("MISSED" in str(r[3]) for r in floors) else 0
    # memory first: Linux keeps ru_maxrss across fork+exec, so the parent must still be small
    rows = bench_memory(args.trades_mem)
    rows += bench_throughput(args.trades)
    rows += bench_sandbox(args.days, args.trade_interval, args.sandbox_url)
    rows += bench_floors(args.floor_days, args.floor_trade_interval, args.runs)
    print_table("history (issue 7)", ["measure", "value", "target", "ratio / status"], rows)
    missed = [r for r in rows if "MISSED" in str(r[3])]  # (d), (e), (f)
    for r in rows:
        if r[0].startswith("(a)") and float(str(r[3]).rstrip("x")) < 1:
            missed.append(r)
        if r[0].startswith("(b)") and float(str(r[3]).rstrip("x")) >= 1:
            missed.append(r)
        if r[0].startswith("(c) Trades") and float(str(r[3])) > CALLS_TARGET:
            missed.append(r)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
