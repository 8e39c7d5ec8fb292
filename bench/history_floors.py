"""Floors for the history benchmark: the same contracts as krx, written as plainly and fast as
the standard library allows (issue 17). Each is measured in the same run as krx.

- :func:`download_floor`: page ``Trades`` through a range with ``http.client`` (one keep-alive
  connection), ``json.loads(parse_float=str)`` (exact time text, no Decimal), the same cursor
  rule as krx (``since=last-1`` after a full page) and the same store contract: every page and
  the coverage it proves committed in one SQLite transaction, ``INSERT OR IGNORE`` on
  ``(pair, trade_id)``, in a table shaped like krx's.
- :func:`candles_floor`: the same SELECT on krx's own store, min1 candles by integer arithmetic
  on the price/volume text (fixed wire digits), JSON lines by one f-string per candle, byte for
  byte what ``krx candles ... --format jsonl`` prints.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

NS = 1_000_000_000

_TABLES = """
CREATE TABLE IF NOT EXISTS trades (
    pair INTEGER NOT NULL, trade_id INTEGER NOT NULL, time_ns INTEGER NOT NULL,
    price TEXT NOT NULL, volume TEXT NOT NULL, side TEXT NOT NULL, ord_type TEXT NOT NULL,
    misc TEXT NOT NULL DEFAULT '', PRIMARY KEY (pair, trade_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trades_by_time ON trades (pair, time_ns);
CREATE TABLE IF NOT EXISTS coverage (
    pair INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
    PRIMARY KEY (pair, lo)) WITHOUT ROWID;
"""


def _ns(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * NS + int(frac.ljust(9, "0")[:9])


def download_floor(rest: str, pair: str, start_ns: int, end_ns: int, db_path: Path) -> int:
    """Store every trade of ``(start_ns - 1, end_ns - 1]``; return the number of calls."""
    url = urlsplit(rest)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_TABLES)
    cursor, hi, calls = start_ns - 1, end_ns - 1, 0
    while cursor < hi:
        conn.request("GET", f"/0/public/Trades?pair={pair}&since={cursor}")
        reply = json.loads(conn.getresponse().read(), parse_float=str)
        calls += 1
        if reply["error"]:
            raise SystemExit(f"Trades: {reply['error']}")
        result = reply["result"]
        last = int(result.pop("last"))
        (rows,) = result.values()
        if not rows:
            break
        nxt = last - 1 if len(rows) >= 1000 else last
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT OR IGNORE INTO trades VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
            [(r[6], _ns(r[2]), r[0], r[1], r[3], r[4], r[5]) for r in rows],
        )
        db.execute("INSERT OR REPLACE INTO coverage VALUES (1, ?, ?)", (start_ns - 1, nxt))
        db.execute("COMMIT")
        cursor = nxt
    db.close()
    conn.close()
    return calls


def candles_floor(
    db_path: Path, pid: int, start_s: int, end_s: int, symbol: str, out: TextIO
) -> int:
    """Write min1 candles of ``[start, end)`` from the store as JSON lines; return how many.

    Prices are read as 10**-5 units and rendered with 1 decimal (BTC/USD's pair_decimals),
    volumes as 10**-8 (lot_decimals 8): the wire digits of the benchmark's tape.
    """
    db = sqlite3.connect(db_path)
    rows = db.execute(
        "SELECT time_ns, price, volume FROM trades "
        "WHERE pair = ? AND time_ns >= ? AND time_ns < ? ORDER BY time_ns, trade_id",
        (pid, start_s * NS, end_s * NS),
    )
    sym = json.dumps(symbol)
    day_start, day_text = -1, ""
    count = 0
    key = -1
    o = h = lo = c = spv = sv = n = 0
    write = out.write

    def emit() -> None:
        nonlocal day_start, day_text
        t = key * 60
        if not day_start <= t < day_start + 86_400:
            day_start = t - t % 86_400
            day_text = datetime.fromtimestamp(day_start, UTC).strftime("%Y-%m-%dT")
        sec = t - day_start
        q, r = divmod(spv * 10, sv * 100_000)  # vwap in 10**-1, half to even
        if 2 * r > sv * 100_000 or (2 * r == sv * 100_000 and q % 2):
            q += 1
        write(
            f'{{"symbol":{sym},"time":"{day_text}{sec // 3600:02d}:{sec % 3600 // 60:02d}:00Z",'
            f'"open":"{_p(o)}","high":"{_p(h)}","low":"{_p(lo)}","close":"{_p(c)}",'
            f'"vwap":"{q // 10}.{q % 10}","volume":"{sv // 100_000_000}.{sv % 100_000_000:08d}",'
            f'"count":{n}}}\n'
        )

    for t, p_s, v_s in rows:
        p = int(p_s.replace(".", ""))
        v = int(v_s.replace(".", ""))
        k = t // 60_000_000_000
        if k != key:
            if n:
                emit()
                count += 1
            key, o, h, lo, c, spv, sv, n = k, p, p, p, p, p * v, v, 1
        else:
            if p > h:
                h = p
            elif p < lo:
                lo = p
            c = p
            spv += p * v
            sv += v
            n += 1
    if n:
        emit()
        count += 1
    db.close()
    return count


def _p(units: int) -> str:
    """Render a price of 10**-5 units with 1 decimal (exact: the tape's prices are 0.1 steps)."""
    q, r = divmod(units, 10_000)
    if r:
        raise ValueError("price not on BTC/USD's 0.1 grid")
    return f"{q // 10}.{q % 10}"


def best_of(runs: int, *fns: Callable[[], object]) -> list[tuple[float, float]]:
    """Run the ``fns`` in turn ``runs`` times; return each one's best (wall, CPU) seconds."""
    best = [(float("inf"), float("inf"))] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[i] = (min(best[i][0], wall), min(best[i][1], cpu))
    return best
