"""`krx archive`: write throughput against a plain pyarrow floor, `--all` start-up and memory.

(a) Trades/s written: the same stream records (the dicts ``krx stream`` hands its sinks: RFC3339
    time, decimal text) through krx's archive sink (routing per symbol and day, bounded buffers,
    fsync + rename per part) and through the fastest plain pyarrow: per symbol,
    ``Table.from_pylist`` of the text and one cast, one zstd file, no fsync. Both in this
    process, medians of ``REPEAT`` alternating runs.
(b) `krx archive --all` start-up against a 1,500-pair sandbox that enforces the WS limits
    (``sandbox/ws_limits.py``: 30 symbols/s per connection, burst 60): seconds from launch until
    the sandbox has acked every pair on every channel, with zero ``Exceeded msg rate`` replies.
    The floor is a client subscribing exactly at the sandbox's limit on the same connections,
    ``(symbols per connection - burst) / rate``; krx keeps a margin below it.
(c) Peak memory (VmHWM) of that run at 1,500 pairs, and per pair: (peak at 1,500 - peak at 1
    pair) / 1,499, both runs of the same channels and length.

(a') ``--futures``: (a) for futures trade records (no ``trade_id``; a UUID ``trade_uid`` and
    ``seq``) written as ``market=futures``; (b) and (c) are not run.

Run: ``python bench/archive.py`` (``--pairs N --channels trades,book --seconds S``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._util import Result, krx_command, print_table, report  # noqa: E402

N_TRADES = 200_000
SYMBOLS = 50
REPEAT = 3
#: The sandbox's model of the limit and krx's layout (services/archive.py).
SANDBOX_RATE, SANDBOX_BURST = 30.0, 60.0


def records(n: int, symbols: int, futures: bool = False) -> list[dict[str, Any]]:
    """Return ``n`` trade stream records spread over ``symbols`` pairs, as the stream emits."""
    start = datetime(2026, 11, 30, tzinfo=UTC)
    if futures:
        import uuid

        return [
            {
                "channel": "trade",
                "symbol": f"PF_S{i % symbols:04d}USD",
                "trade_id": None,
                "trade_uid": str(uuid.UUID(int=i * 7919 + 1, version=4)),
                "time": f"{start + timedelta(milliseconds=i):%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z",
                "price": f"{64000 + i % 977}.{i % 10}",
                "volume": f"0.{i % 9_999:04d}",
                "side": "buy" if i % 2 else "sell",
                "ord_type": "market",
                "seq": 421_000 + i,
            }
            for i in range(n)
        ]
    return [
        {
            "channel": "trade",
            "symbol": f"S{i % symbols:04d}/USD",
            "trade_id": i // symbols,
            "time": (start + timedelta(microseconds=i * 1000)).isoformat().replace("+00:00", "Z"),
            "price": f"{64000 + i % 977}.{i % 10}",
            "volume": f"0.{i % 99_999_999:08d}",
            "side": "buy" if i % 2 else "sell",
            "ord_type": "limit",
        }
        for i in range(n)
    ]


def krx_write(rows: list[dict[str, Any]], root: Path, market: str = "spot") -> float:
    """Write through krx's archive sink; return seconds."""
    from kraken_cli.archive.sink import open_sink

    sink = open_sink(root, market, decimals={}, depth=10, roll_s=3600)
    start = time.perf_counter()
    for row in rows:
        sink.write(row)
    sink.close()
    return time.perf_counter() - start


def floor_write(rows: list[dict[str, Any]], root: Path) -> float:
    """Write the same rows as fast as plain pyarrow does: per symbol, Arrow reads the dicts
    and parses the text (decimals, RFC3339) in C; one zstd file each; no fsync."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kraken_cli.archive.schema import SCHEMAS

    schema = SCHEMAS["trades"]
    text = pa.schema([pa.field(f.name, pa.string()) if f.name in ("time", "price", "volume")
                      else f for f in schema])  # fmt: skip
    start = time.perf_counter()
    by_symbol: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_symbol.setdefault(row["symbol"], []).append(row)
    for symbol, group in by_symbol.items():
        table = pa.Table.from_pylist(group, schema=text).cast(schema)
        pq.write_table(table, root / f"{symbol.replace('/', '-')}.parquet", compression="zstd")
    return time.perf_counter() - start


def bench_write(futures: bool = False) -> list[Result]:
    rows = records(N_TRADES, SYMBOLS, futures)
    market = "futures" if futures else "spot"
    krx_s, floor_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(REPEAT):
            floor_s.append(floor_write(rows, _fresh(tmp, f"f{n}")))
            krx_s.append(krx_write(rows, _fresh(tmp, f"k{n}"), market))
    krx_rate = N_TRADES / statistics.median(krx_s)
    floor_rate = N_TRADES / statistics.median(floor_s)
    print_table(
        f"(a) {market} trades written to Parquet ({N_TRADES:,} trades, {SYMBOLS} symbols, "
        f"median of {REPEAT})",
        ["writer", "trades/s"],
        [["krx archive sink", f"{krx_rate:,.0f}"], ["plain pyarrow floor", f"{floor_rate:,.0f}"]],
    )
    name = "archive futures trades/s written" if futures else "archive trades/s written"
    return [Result(name, krx_rate, floor_rate, "trades/s", 0.5, True)]


def _fresh(tmp: str, name: str) -> Path:
    path = Path(tmp) / name
    path.mkdir()
    return path


def _start_sandbox(workdir: Path, pairs: int) -> tuple[subprocess.Popen[str], str]:
    state = workdir / "sandbox.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli.sandbox", "--port", "0", "--state-file", str(state),
         "--pairs", str(pairs), "--book-rate", "0.2", "--live-rate", "0.05",
         "--ws-connect-limit", "150"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("REST"):
            return proc, line.split()[-1]
    proc.kill()
    raise SystemExit("sandbox did not start")


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def archive_run(
    rest: str, state: Path, root: Path, home: Path, args: list[str], target: int, seconds: int
) -> tuple[float | None, dict[str, Any], int]:
    """Run ``krx archive``; return (seconds until ``target`` subscriptions, counters, peak kB)."""
    before = httpx.get(f"{rest}/sandbox/ws", timeout=60).json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KRX_", "KRAKEN_"))}
    env["KRX_SANDBOX_STATE"] = str(state)
    for kind in ("cache", "config", "state"):
        env[f"XDG_{kind.upper()}_HOME"] = str(home / kind)
    argv = [*krx_command(), "--sandbox", "archive", str(root), *args, "--duration", f"{seconds}s"]
    start = time.monotonic()
    home.mkdir(parents=True, exist_ok=True)
    log = (home / f"{root.name}.stderr").open("w+")  # a pipe would fill up and block krx
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, env=env)
    ready, peak, counters = None, 0, before
    while proc.poll() is None:
        peak = max(peak, _peak_kb(proc.pid))
        try:  # a 1,500-pair sandbox on a busy machine can be slow to answer
            counters = httpx.get(f"{rest}/sandbox/ws", timeout=30).json()
        except httpx.HTTPError:
            continue
        if ready is None and counters["subscribed"] - before["subscribed"] >= target:
            ready = time.monotonic() - start
        time.sleep(0.25)
    proc.wait()
    log.seek(0)
    if proc.returncode != 0:
        raise SystemExit(f"krx archive failed: {log.read()[-600:]}")
    log.close()
    after = httpx.get(f"{rest}/sandbox/ws", timeout=60).json()
    delta = {k: after[k] - before[k] for k in ("connects", "subscribed", "subscribe_refused")}
    return ready, delta, peak


def bench_all(pairs: int, channels: str, seconds: int) -> list[Result]:
    from kraken_cli.services.archive import SYMBOLS_PER_CONNECTION, shards

    n_channels = len(channels.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        proc, rest = _start_sandbox(work, pairs)
        try:
            state = work / "sandbox.json"
            ready, delta, peak = archive_run(
                rest, state, work / "all", work / "home", ["--all", "--channels", channels],
                pairs * n_channels, seconds,
            )  # fmt: skip
            _, _, one_peak = archive_run(
                rest, state, work / "one", work / "home", ["S0001/USD", "--channels", channels],
                n_channels, seconds,
            )  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(10)
    per_connection = max(len(s) for s in shards(tuple(range(pairs)), SYMBOLS_PER_CONNECTION))
    floor = max(0.0, per_connection - SANDBOX_BURST) / SANDBOX_RATE
    per_pair_kb = (peak - one_peak) / max(1, pairs - 1)
    print_table(
        f"(b, c) krx archive --all, {pairs:,}-pair sandbox, channels {channels}",
        ["figure", "value"],
        [
            ["time until every pair is subscribed", f"{ready:.1f} s" if ready else "never"],
            ["subscriptions acked", f"{delta['subscribed']:,} of {pairs * n_channels:,}"],
            ["'Exceeded msg rate' replies", delta["subscribe_refused"]],
            ["connections", delta["connects"]],
            ["floor: subscribing at the sandbox's limit", f"{floor:.1f} s"],
            [f"peak RSS at {pairs:,} pairs", f"{peak / 1024:.0f} MB"],
            ["peak RSS at 1 pair", f"{one_peak / 1024:.0f} MB"],
            ["memory per pair", f"{per_pair_kb:.0f} kB"],
        ],
    )
    return [
        Result(f"archive --all start-up ({pairs:,} pairs)", ready or 1e9, floor, "s", 3.0),
        Result(
            "archive --all 'Exceeded msg rate' replies", delta["subscribe_refused"], None, "", 0
        ),
        Result(f"archive --all peak memory ({pairs:,} pairs)", peak / 1024, None, "MB", 600),
        Result("archive memory per pair", per_pair_kb, None, "kB", 300),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1500)
    parser.add_argument("--channels", default="trades,book")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--futures", action="store_true", help="(a) for futures trades only")
    args = parser.parse_args()
    if args.futures:
        return 0 if report(bench_write(futures=True)) else 1
    results = bench_write() + bench_all(args.pairs, args.channels, args.seconds)
    return 0 if report(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
