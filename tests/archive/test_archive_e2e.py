"""krx archive against the sandbox: drops, kill -9 and a restart; the archive equals the
sandbox's ground-truth tape (no trade lost or doubled) and its books pass every checksum."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import Any

import httpx
import pyarrow.dataset as ds
import pytest

from kraken_cli.archive import layout
from kraken_cli.archive.books import verify
from kraken_cli.archive.query import run_query
from tests.e2e.conftest import SandboxHandle, start_sandbox
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e
SYMBOLS = {"BTC/USD": "XXBTZUSD", "ETH/USD": "XETHZUSD"}


def _archive(handle: SandboxHandle, root: Path, home: Path, *extra: str) -> subprocess.Popen[str]:
    env = krx_env(home, sandbox=handle)
    return subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), "BTCUSD",
         "ETHUSD", "--channels", "trades,book", "--roll", "1s", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=home,
    )  # fmt: skip


def _wait_for_parts(root: Path, channel: str, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(list(layout.committed(root, f"**/channel={channel}/**/*.parquet"))) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} committed {channel} parts")


def kill_9_then_restart(start: Callable[..., subprocess.Popen[str]], root: Path) -> str:
    """Start an archive, ``kill -9`` it once 4 trade parts are committed, let trades happen,
    restart it for 5 s; return the restart's stderr (it exits 0, no temporary part left)."""
    first = start()
    _wait_for_parts(root, "trades", 4)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    time.sleep(1.5)  # trades happen while krx is down: the restart must backfill them
    second = start("--duration", "5s")
    _out, err = second.communicate(timeout=90)
    assert second.returncode == 0, err
    assert not list(root.glob(f"**/.*{layout.TMP_SUFFIX}"))
    return err


def archived_books_verify(root: Path) -> list[dict[str, Any]]:
    """Rebuild every archived book and assert each passes ``verify``; return the book rows."""
    table = ds.dataset(root / "exchange=kraken", format="parquet", partitioning="hive")
    books = table.filter(ds.field("channel") == "book").to_table().to_pylist()
    assert books
    for _symbol, levels in groupby(
        sorted(books, key=lambda r: (r["symbol"], r["message"])), key=lambda r: r["symbol"]
    ):
        verdict = verify(levels)
        assert verdict.ok, verdict.mismatches
    return books


def _tape(handle: SandboxHandle, pair: str) -> dict[int, dict[str, Any]]:
    text = httpx.get(f"{handle.rest_url}/sandbox/tape", params={"pair": pair}, timeout=30).text
    return {row["trade_id"]: row for row in map(json.loads, text.splitlines()) if row}


def test_archive_survives_drops_and_kill_9_with_every_trade_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    handle = start_sandbox(tmp_path_factory.mktemp("sb"), live_rate=20, drop_every=40)
    root, home = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("home")
    try:
        kill_9_then_restart(lambda *extra: _archive(handle, root, home, *extra), root)
        rows = list(run_query(root, "SELECT symbol, trade_id, price, volume FROM trades"))
        for symbol, pair in SYMBOLS.items():
            ids = sorted(r["trade_id"] for r in rows if r["symbol"] == symbol)
            assert len(ids) == len(set(ids)), f"{symbol}: a trade archived twice"
            assert ids == list(range(ids[0], ids[-1] + 1)), f"{symbol}: a trade lost"
            tape = _tape(handle, pair)
            for row in (r for r in rows if r["symbol"] == symbol):
                truth = tape[row["trade_id"]]
                assert row["price"] == type(row["price"])(truth["price"])
                assert row["volume"] == type(row["volume"])(truth["volume"])
        assert archived_books_verify(root)
    finally:
        handle.stop()
