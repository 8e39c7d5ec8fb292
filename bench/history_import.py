"""``krx history import`` speed and memory against DuckDB's ``read_csv`` on the same file.

Generates a Kraken-shaped trades archive (``XBTUSD.csv``: ``timestamp,price,amount``, no header,
runs of trades sharing a second) of N trades in a temp dir (never committed), then, each in its
own process so peak RSS is its own:
- krx: the real import (validation, chunk transactions, SQLite store) into a fresh store;
- DuckDB: ``read_csv`` with exact DECIMAL columns, scanned to the end (count + volume sum) with
  its default threads (the reference) and with one thread, and into a table of an on-disk
  database.

Targets (issue 13): krx rows/s >= 0.5 x DuckDB's ``read_csv`` rate; krx peak RSS < 200 MB.
Needs DuckDB, from the ``archive`` extra (``make install-test`` installs it).

Run: ``python bench/history_import.py [--trades 5000000] [--zip]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _util import ROOT, print_table

sys.path.insert(0, str(ROOT))

RATIO_TARGET = 0.5
MEMORY_TARGET_MB = 200.0


def generate(path: Path, n: int, seed: int = 1) -> None:
    """Write ``n`` trades: about half share the previous second; prices and volumes as Kraken."""
    rng = random.Random(seed)
    t, price = 1_600_000_000, 100_000
    rand, randint = rng.random, rng.randint
    with path.open("w") as fh:
        out: list[str] = []
        for _ in range(n):
            if rand() < 0.5:
                t += randint(1, 5)
            price += randint(-50, 50)
            out.append(f"{t},{price // 10}.{price % 10}0000,{randint(1, 10**9) / 1e8:.8f}\n")
            if len(out) >= 100_000:
                fh.writelines(out)
                out.clear()
        fh.writelines(out)


def child_krx(source: str, store_dir: str) -> None:
    """Import ``source`` into a fresh store; print rows, seconds and peak RSS as JSON."""
    from kraken_cli.services.history.archive_csv import discover
    from kraken_cli.services.history.importer import import_archives
    from kraken_cli.services.history.store import TradeStore

    start = time.perf_counter()
    with TradeStore(Path(store_dir) / "trades.sqlite") as store:
        results = import_archives(store, discover([Path(source)]), lambda f: "XXBTZUSD")
    elapsed = time.perf_counter() - start
    rows = sum(r.rows for r in results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak}))


def child_duckdb(source: str, db_dir: str, mode: str) -> None:
    """Run DuckDB's read_csv on ``source`` (scan, or into an on-disk table); print JSON."""
    import duckdb

    columns = "{'t': 'BIGINT', 'p': 'DECIMAL(18,6)', 'v': 'DECIMAL(18,8)'}"
    scan = f"read_csv('{source}', header=false, columns={columns})"
    start = time.perf_counter()
    if mode.startswith("scan"):
        con = duckdb.connect()
        if mode == "scan1":
            con.execute("SET threads = 1")
        rows = con.execute(f"SELECT count(*), sum(v) FROM {scan}").fetchone()[0]  # type: ignore[index]
    else:
        con = duckdb.connect(str(Path(db_dir) / "bench.duckdb"))
        con.execute(f"CREATE TABLE trades AS SELECT * FROM {scan}")
        rows = con.execute("SELECT count(*) FROM trades").fetchone()[0]  # type: ignore[index]
    con.close()
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak}))


def _run(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {out.stderr[-800:]}")
    return dict(json.loads(out.stdout.splitlines()[-1]))


def main() -> int:
    """Generate the archive, time both readers, print the table and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trades", type=int, default=5_000_000)
    parser.add_argument("--zip", action="store_true", help="also import the file from a ZIP")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        child_krx(*rest) if kind == "krx" else child_duckdb(*rest)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "XBTUSD.csv"
        t0 = time.perf_counter()
        generate(csv, args.trades)
        size_mb = csv.stat().st_size / 1e6
        took = time.perf_counter() - t0
        print(f"generated {args.trades:,} trades ({size_mb:.0f} MB) in {took:.0f} s")
        runs = {
            "duckdb read_csv (scan)": _run("--child", "duckdb", str(csv), tmp, "scan"),
            "duckdb read_csv (scan, 1 thread)": _run("--child", "duckdb", str(csv), tmp, "scan1"),
            "duckdb read_csv -> table": _run("--child", "duckdb", str(csv), tmp, "table"),
            "krx history import (csv)": _run("--child", "krx", str(csv), _fresh(tmp, "a")),
        }
        if args.zip:
            bundle = Path(tmp) / "Kraken_Trading_History.zip"
            with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                z.write(csv, "XBTUSD.csv")
            runs["krx history import (zip)"] = _run("--child", "krx", str(bundle), _fresh(tmp, "b"))
    rate = {name: r["rows"] / r["seconds"] for name, r in runs.items()}
    duck = rate["duckdb read_csv (scan)"]
    rows = [
        [
            name,
            f"{int(r['rows']):,}",
            f"{r['seconds']:.2f}",
            f"{rate[name]:,.0f}",
            f"{rate[name] / duck:.2f}",
            f"{r['peak_mb']:.0f}",
        ]
        for name, r in runs.items()
    ]
    print_table(
        f"history import, {args.trades:,} trades",
        ["reader", "rows", "s", "rows/s", "x duckdb scan", "peak MB"],
        rows,
    )
    krx = runs["krx history import (csv)"]
    ratio = rate["krx history import (csv)"] / duck
    peak = max(r["peak_mb"] for n, r in runs.items() if n.startswith("krx"))
    ok_ratio, ok_mem = ratio >= RATIO_TARGET, peak < MEMORY_TARGET_MB
    print(
        f"ratio to DuckDB read_csv: {ratio:.2f} (target >= {RATIO_TARGET}) "
        f"{'met' if ok_ratio else 'MISSED'}"
    )
    print(
        f"krx peak RSS: {peak:.0f} MB (target < {MEMORY_TARGET_MB:.0f} MB) "
        f"{'met' if ok_mem else 'MISSED'}"
    )
    assert krx["rows"] == args.trades, "every row imported"
    return 0 if ok_ratio and ok_mem else 1


def _fresh(tmp: str, name: str) -> str:
    path = Path(tmp) / name
    path.mkdir()
    return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
