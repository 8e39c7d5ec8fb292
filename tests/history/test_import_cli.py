"""``krx history import`` end to end: then ``krx candles``/``trades`` serve it with no Kraken call.

Kraken is unreachable here: a command that tried to call it would fail, so a green run proves
the imported range is served from the store. The pair list comes from a seeded cache (the real
AssetPairs sample plus BCH/EUR and ETH/USD entries derived from it).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from kraken_cli.services.market.symbols import cache_path
from tests.history.test_cache_cmd import _krx
from tests.history.test_import import ARCHIVE, FULL
from tests.market.market_samples import asset_pairs_body, assets_body


def _seed_pairs(cache: Path) -> None:
    pairs = asset_pairs_body()["result"]
    btc = pairs["XXBTZUSD"]
    pairs["BCHEUR"] = dict(btc, altname="BCHEUR", wsname="BCH/EUR", base="BCH", quote="ZEUR")
    pairs["BCHEUR"].update(pair_decimals=2, lot_decimals=8)
    pairs["XETHZUSD"] = dict(btc, altname="ETHUSD", wsname="ETH/USD", base="XETH", quote="ZUSD")
    pairs["XETHZUSD"].update(pair_decimals=2, lot_decimals=8)
    assets = assets_body()["result"]
    assets["BCH"] = dict(assets["XETH"], altname="BCH")
    path = cache_path(cache, "https://api.kraken.com")
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"version": 1, "fetched_at": time.time(), "asset_pairs": pairs, "assets": assets}
    path.write_text(json.dumps(body))


def _jsonl(out: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def _imported(tmp: Path) -> None:
    _seed_pairs(tmp / "cache" / "krx")
    rows = _jsonl(_krx(tmp, "history", "import", str(ARCHIVE)))
    assert [(r["pair"], r["kind"], r["rows"]) for r in rows] == [
        ("BCHEUR", "trades", 148),
        ("XETHZUSD", "m1440", 2058),
        ("XXBTZUSD", "m1440", 2722),
        ("BCHEUR", "trades", 486),
    ]


def test_daily_ohlcvt_rows_come_back_unchanged(tmp_path: Path) -> None:
    _imported(tmp_path)
    out = _krx(
        tmp_path, "candles", "XBTUSD", "day", "--since", "2013-10-06", "--until", "2021-04-01"
    )
    candles = _jsonl(out)
    lines = (ARCHIVE / "XBTUSD_1440.csv").read_text().splitlines()
    assert len(candles) == len(lines) == 2722
    for c, line in zip(candles, lines, strict=True):
        ts, o, h, lo, cl, v, n = line.split(",")
        got = [c["open"], c["high"], c["low"], c["close"], c["volume"], str(c["count"])]
        assert got == [o, h, lo, cl, v, n]
        assert c["time"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))
        assert c["vwap"] is None  # the archive has no vwap: unknown, not invented


def test_candles_from_imported_trades_match_the_trades(tmp_path: Path) -> None:
    _imported(tmp_path)
    out = _krx(
        tmp_path,
        *("candles", "BCHEUR", "h1", "--since", "2023-01-01T01:00:00Z"),
        *("--until", "2023-01-01T23:00:00Z"),
    )
    candles = _jsonl(out)
    # OHLCVT as Kraken's archive defines it, computed plainly from the CSV rows
    groups: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for line in FULL.read_text().splitlines():
        ts, p, v = line.split(",")
        if 1672534800 <= int(ts) < 1672614000:
            groups.setdefault(int(ts) // 3600 * 3600, []).append((Decimal(p), Decimal(v)))
    assert len(candles) == len(groups) > 10
    for c, (_, rows) in zip(candles, sorted(groups.items()), strict=True):
        prices = [p for p, _ in rows]
        want = [prices[0], max(prices), min(prices), prices[-1], sum(v for _, v in rows)]
        got = [Decimal(str(c[k])) for k in ("open", "high", "low", "close", "volume")]
        assert got == want and c["count"] == len(rows)


def test_trades_of_an_imported_range_come_from_the_store(tmp_path: Path) -> None:
    _imported(tmp_path)
    out = _krx(
        tmp_path,
        *("trades", "BCHEUR", "--since", "2023-01-01T00:03:56Z"),
        *("--until", "2023-01-01T23:19:48Z"),
    )
    trades = _jsonl(out)
    rows = [line.split(",") for line in FULL.read_text().splitlines()]
    assert [(Decimal(str(t["price"])), Decimal(str(t["volume"]))) for t in trades] == [
        (Decimal(p), Decimal(v)) for _, p, v in rows
    ]
    assert all(t["trade_id"] is None for t in trades)


def test_cache_info_shows_sources_and_reimport_adds_nothing(tmp_path: Path) -> None:
    _imported(tmp_path)
    again = _jsonl(_krx(tmp_path, "history", "import", str(ARCHIVE)))
    assert all(r["skipped"] and r["added"] == 0 for r in again)
    info = {r["pair"]: r for r in _jsonl(_krx(tmp_path, "cache", "info"))}
    assert info["BCHEUR"]["trades"] == 634
    assert info["BCHEUR"]["sources"] == (
        "archive 2023-01-01T00:03:56Z..2023-01-01T23:19:47Z; "
        "archive 2023-01-02T00:48:56Z..2023-01-02T23:17:03Z"
    )
    assert info["XXBTZUSD"]["sources"] == "archive-m1440 2013-10-06T00:00:00Z..2021-03-31T23:59:59Z"


def test_malformed_row_exit_code_and_message(tmp_path: Path) -> None:
    _seed_pairs(tmp_path / "cache" / "krx")
    bad = tmp_path / "BCHEUR.csv"
    bad.write_text(FULL.read_text().replace("90.450000", "90,450000", 1))
    out = _krx(tmp_path, "history", "import", str(bad))
    assert out.returncode == 2
    assert f"krx: error: {bad}, line 2: expected 3 fields, found 4" in out.stderr
    assert "Traceback" not in out.stderr


def test_killed_import_resumes_to_exactly_every_row(tmp_path: Path) -> None:
    import random
    import signal

    from tests.support.env import krx_env

    _seed_pairs(tmp_path / "cache" / "krx")
    rng = random.Random(3)
    n, t, lines = 300_000, 1_600_000_000, []
    for _ in range(n):
        t += rng.random() < 0.5
        lines.append(
            f"{t},{rng.randint(9000, 9999)}.{rng.randint(0, 9)},0.{rng.randint(1, 10**8):08d}"
        )
    big = tmp_path / "XBTUSD.csv"
    big.write_text("\n".join(lines) + "\n")
    env = krx_env(
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        XDG_STATE_HOME=str(tmp_path / "st"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "history", "import", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db_path = tmp_path / "cache" / "krx" / "trades.sqlite"
    deadline = time.monotonic() + 60
    partial = 0
    while proc.poll() is None and time.monotonic() < deadline and not partial:
        partial = _archive_rows(db_path)
        if partial:
            proc.send_signal(signal.SIGKILL)  # mid-import, no clean-up at all
        time.sleep(0.01)
    proc.wait(timeout=60)
    assert 0 < _archive_rows(db_path) <= n
    resumed = _jsonl(_krx(tmp_path, "history", "import", str(big)))
    assert resumed[0]["rows"] == n
    info = {r["pair"]: r for r in _jsonl(_krx(tmp_path, "cache", "info"))}
    assert info["XXBTZUSD"]["trades"] == n


def _archive_rows(db_path: Path) -> int:
    import sqlite3

    if not db_path.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(db_path, timeout=1)) as db:
            return int(
                db.execute("SELECT COALESCE(SUM(rows), 0) FROM archive_blocks").fetchone()[0]
            )
    except sqlite3.Error:
        return 0
