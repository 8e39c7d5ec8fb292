"""Stream benchmarks (make bench): the book engine and `krx stream trades` end to end.

(a) Book engine: updates/s with checksum verification INCLUDING JSON parsing, at depths 10
    and 1000, over a synthetic feed generated in-process (1 snapshot + N updates, the mix of
    perf-anchors §2), against a plain-Python reference measured in the same run.
(b) `krx stream trades` against the sandbox sending as fast as it can, msgs/s written to
    stdout, against a floor measured in the same run: websocket-client ``recv`` with
    ``skip_utf8_validation=True`` + ``json.loads`` + ``json.dumps``.

Usage: python bench/stream.py [--n 100000] [--repeat 3] [--skip-e2e]
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from bisect import bisect_left, insort
from pathlib import Path
from typing import Any
from zlib import crc32

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._util import print_table  # noqa: E402
from bench.book_feed import make_feed  # noqa: E402
from kraken_cli.client.book import Book  # noqa: E402

BOOK_TARGET = 100_000
E2E_TARGET_RATIO = 0.6


# -- (a) the reference: parse_float=str, dict + bisect-sorted keys, CRC every message --------
class _RefSide:
    def __init__(self, bid: bool) -> None:
        self.sign = -1.0 if bid else 1.0
        self.keys: list[float] = []
        self.levels: dict[float, tuple[str, str]] = {}

    def apply(self, price: Any, qty: Any) -> None:
        p = str(price)
        k = self.sign * float(p)
        if float(qty) == 0.0:
            if self.levels.pop(k, None) is not None:
                del self.keys[bisect_left(self.keys, k)]
            return
        if k not in self.levels:
            insort(self.keys, k)
        self.levels[k] = (p, str(qty))

    def truncate(self, depth: int) -> None:
        if len(self.keys) > depth:
            for k in self.keys[depth:]:
                del self.levels[k]
            del self.keys[depth:]

    def text(self) -> str:
        out = []
        for k in self.keys[:10]:
            p, q = self.levels[k]
            out.append(p.replace(".", "").lstrip("0") + q.replace(".", "").lstrip("0"))
        return "".join(out)


def run_reference(feed: list[str], depth: int) -> tuple[int, float, int]:
    """Replay the feed through the reference; return (updates, seconds, mismatches)."""
    asks, bids = _RefSide(False), _RefSide(True)
    bad = 0
    t0 = time.perf_counter()
    for text in feed:
        msg = json.loads(text, parse_float=str)
        d = msg["data"][0]
        if msg["type"] == "snapshot":
            asks, bids = _RefSide(False), _RefSide(True)
        for lv in d["asks"]:
            asks.apply(lv["price"], lv["qty"])
        for lv in d["bids"]:
            bids.apply(lv["price"], lv["qty"])
        asks.truncate(depth)
        bids.truncate(depth)
        if crc32((asks.text() + bids.text()).encode()) != d["checksum"]:
            bad += 1
    return len(feed) - 1, time.perf_counter() - t0, bad


def run_krx(feed: list[str], depth: int) -> tuple[int, float, int]:
    """Replay the feed through krx's engine exactly as the stream does (decode + verify)."""
    decode = json.JSONDecoder(parse_float=str).decode
    book = Book("BTC/USD", depth, 1, 8)
    bad = 0
    t0 = time.perf_counter()
    for text in feed:
        msg = decode(text)
        d = msg["data"][0]
        if msg["type"] == "snapshot":
            book.apply_snapshot(d["asks"], d["bids"])
        else:
            book.apply_update(d["asks"], d["bids"])
        if book.checksum() != d["checksum"] or book.crossed():
            bad += 1
    return len(feed) - 1, time.perf_counter() - t0, bad


def bench_book(n: int, repeat: int) -> bool:
    rows = []
    ok = True
    for depth in (10, 1000):
        feed = make_feed(depth, n, seed=depth)
        ref_rates, krx_rates = [], []
        for _ in range(repeat):
            for runner, rates in ((run_reference, ref_rates), (run_krx, krx_rates)):
                count, secs, bad = runner(feed, depth)
                if bad:
                    raise SystemExit(f"{runner.__name__} depth {depth}: {bad} checksum mismatches")
                rates.append(count / secs)
        ref, krx = statistics.median(ref_rates), statistics.median(krx_rates)
        met = krx >= BOOK_TARGET
        ok = ok and met
        rows.append(
            [depth, f"{krx:,.0f}", f"{ref:,.0f}", f"{krx / ref:.2f}", "yes" if met else "NO"]
        )
    print_table(
        f"book engine incl. JSON parse + CRC on every message ({n:,} updates, median of "
        f"{repeat}; target >= {BOOK_TARGET:,}/s)",
        ["depth", "krx updates/s", "reference updates/s", "krx / reference", "target met"],
        rows,
    )
    return ok


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-e2e", action="store_true")
    args = ap.parse_args()
    good = bench_book(args.n, args.repeat)
    if not args.skip_e2e:
        from bench.stream_e2e import bench_e2e

        good = bench_e2e(E2E_TARGET_RATIO) and good
    raise SystemExit(0 if good else 1)
