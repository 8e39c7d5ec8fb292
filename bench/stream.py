"""Stream benchmarks (make bench): the book engine, and `krx stream trades` end to end.

(a) Book: updates per CPU-second INCLUDING decoding and the CRC32 check of every message, at
    depths 10 and 1000, over a synthetic feed generated in-process (1 snapshot + N updates, the
    mix of perf-anchors §2). Measured in the same run: the engine before issue 17
    (``book_before.py``: stdlib decoding, target 2x it; issue 17 also names 350k updates/s),
    the plain-Python reference of the research (dict + bisect-sorted keys), msgspec decoding
    alone and krx without the check, which split an update's time into decode, apply and
    checksum. The feed is text frames, as the WebSocket client hands them to the stream.
(b) `krx stream trades` against the same-contract floors and the transport ceiling
    (``stream_e2e.py``).

CPU time (``time.process_time``; per process for (b)) is the headline: the machine is shared.

Usage: python bench/stream.py [--n 100000] [--repeat 5] [--trades 100000] [--skip-e2e]
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from bisect import bisect_left, insort
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zlib import crc32

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import book_before  # noqa: E402
from bench._util import Result, print_table, report  # noqa: E402
from bench.book_feed import make_feed  # noqa: E402
from kraken_cli.client.book import Book  # noqa: E402
from kraken_cli.client.exact_json import exact_decoder  # noqa: E402

BOOK_TARGET = 2.0  # x the engine before issue 17
STREAM_TARGET = 0.8  # x the same-contract floor (20/msg) and the transport ceiling (1/msg)


# -- the research's reference: parse_float=str, dict + bisect-sorted keys, CRC every message ----
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
    """Replay the feed through the reference; return (updates, CPU seconds, mismatches)."""
    decode = json.JSONDecoder(parse_float=str).decode
    asks, bids = _RefSide(False), _RefSide(True)
    bad = 0
    t0 = time.process_time()
    for text in feed:
        msg = decode(text)
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
    return len(feed) - 1, time.process_time() - t0, bad


def _engine(
    book_class: type, decode: Callable[[Any], Any], verify: bool = True
) -> Callable[..., tuple[int, float, int]]:
    def run(feed: list[str], depth: int) -> tuple[int, float, int]:
        """Replay the feed as the stream does: decode, apply, verify checksum and crossing."""
        book = book_class("BTC/USD", depth, 1, 8)
        bad = 0
        t0 = time.process_time()
        for raw in feed:
            msg = decode(raw)
            d = msg["data"][0]
            if msg["type"] == "snapshot":
                book.apply_snapshot(d["asks"], d["bids"])
            else:
                book.apply_update(d["asks"], d["bids"])
            if verify and (book.checksum() != d["checksum"] or book.crossed()):
                bad += 1
        return len(feed) - 1, time.process_time() - t0, bad

    return run


def run_parse_only(feed: list[str], depth: int) -> tuple[int, float, int]:
    """Decode every message with msgspec (exact text) and nothing else."""
    decode = exact_decoder()
    t0 = time.process_time()
    for raw in feed:
        decode(raw)
    return len(feed) - 1, time.process_time() - t0, 0


RUNNERS = {
    "krx": _engine(Book, exact_decoder()),
    "krx, pure-Python fallback (no msgspec)": _engine(Book, exact_decoder(fast=False)),
    "before issue 17": _engine(book_before.Book, book_before.decode),
    "reference (research)": run_reference,
    "msgspec decoding alone": run_parse_only,
    "krx without the check (decode + apply)": _engine(Book, exact_decoder(), verify=False),
}
#: Issue 17's absolute mark for the book (updates per CPU-second, decoding and check included).
BOOK_MARK = 350_000


def _breakdown(med: dict[str, float]) -> str:
    """Return where an update's time goes: decoding, applying, checking (microseconds)."""
    decode = 1e6 / med["msgspec decoding alone"]
    applied = 1e6 / med["krx without the check (decode + apply)"]
    whole = 1e6 / med["krx"]
    return (
        f"{whole:.2f} us = decode {decode:.2f} + apply (and the loop) {applied - decode:.2f} "
        f"+ checksum and crossing check {whole - applied:.2f}"
    )


def bench_book(n: int, repeat: int) -> list[Result]:
    """Measure every runner at depths 10 and 1000, round-robin; print a table; return results."""
    results = []
    rows = []
    split = []
    for depth in (10, 1000):
        # text frames, as the WebSocket client hands them to the stream
        feed = make_feed(depth, n, seed=depth)
        rates: dict[str, list[float]] = {name: [] for name in RUNNERS}
        for _ in range(repeat):
            for name, runner in RUNNERS.items():
                count, secs, bad = runner(feed, depth)
                if bad:
                    raise SystemExit(f"{name} depth {depth}: {bad} checksum mismatches")
                rates[name].append(count / secs)
        med = {name: statistics.median(r) for name, r in rates.items()}
        before = med["before issue 17"]
        for name, rate in med.items():
            rows.append([depth, name, f"{rate:,.0f}", f"{rate / before:.2f}"])
        results.append(
            Result(f"book depth {depth} vs before issue 17", med["krx"], before, "updates/CPU-s",
                   BOOK_TARGET, True)
        )  # fmt: skip
        results.append(
            Result(f"book depth {depth} vs issue 17's 350k mark", med["krx"], BOOK_MARK,
                   "updates/CPU-s", 1.0, True)
        )  # fmt: skip
        split.append(f"depth {depth}: {_breakdown(med)} per update")
    print_table(
        f"Book: decode + apply + CRC32 check of every message ({n:,} updates, median of "
        f"{repeat}, updates per CPU-second)",
        ["depth", "engine", "updates / CPU-s", "x before"],
        rows,
    )
    print("\n".join(["", "krx, CPU time per update:", *split]))
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--trades", type=int, default=100_000)
    ap.add_argument("--stream-repeat", type=int, default=3)
    ap.add_argument("--skip-e2e", action="store_true")
    args = ap.parse_args()
    found = bench_book(args.n, args.repeat)
    if not args.skip_e2e:
        from bench.stream_e2e import bench_e2e

        found += bench_e2e(args.trades, args.trades, args.stream_repeat, STREAM_TARGET)
    raise SystemExit(0 if report(found) else 1)
