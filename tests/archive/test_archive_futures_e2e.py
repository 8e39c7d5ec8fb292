"""krx archive --market futures against the sandbox: drops, kill -9 and a restart; the archive
equals the sandbox's ground-truth futures tape (no trade lost, none twice by uid) and every
archived futures book follows its seq."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.archive.query import run_query
from tests.archive.test_archive_e2e import archived_books_verify, kill_9_then_restart
from tests.e2e.conftest import SandboxHandle, start_sandbox
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e
SYMBOLS = ("PF_XBTUSD", "PF_ETHUSD", "PF_DOGEUSD")


def _archive(handle: SandboxHandle, root: Path, home: Path, *extra: str) -> subprocess.Popen[str]:
    env = krx_env(home, sandbox=handle)
    return subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), *SYMBOLS,
         "--market", "futures", "--channels", "trades,book", "--roll", "1s", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=home,
    )  # fmt: skip


def _tape(handle: SandboxHandle, symbol: str, since: int, until: int) -> list[dict[str, Any]]:
    text = httpx.get(
        f"{handle.futures_url}/sandbox/futures/tape",
        params={"symbol": symbol, "since": since, "until": until},
        timeout=30,
    ).text
    return [json.loads(line) for line in text.splitlines() if line]


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def test_futures_archive_survives_drops_and_kill_9_with_every_trade_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    handle = start_sandbox(tmp_path_factory.mktemp("sb"), live_rate=20, drop_every=40)
    root, home = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("home")
    try:
        err = kill_9_then_restart(lambda *extra: _archive(handle, root, home, *extra), root)
        assert "reconnect" in err and "backfill" in err  # drops and the kill: gaps from REST
        rows = list(
            run_query(root, "SELECT symbol, trade_id, trade_uid, time, price, volume FROM trades")
        )
        for symbol in SYMBOLS:
            mine = sorted((r for r in rows if r["symbol"] == symbol), key=lambda r: r["time"])
            uids = [r["trade_uid"] for r in mine]
            assert len(uids) > 50 and len(uids) == len(set(uids)), f"{symbol}: a trade twice"
            assert all(r["trade_id"] is None for r in mine)
            first, last = _ms(mine[0]["time"]), _ms(mine[-1]["time"])
            truth = {t["uid"]: t for t in _tape(handle, symbol, first - 1, last)}
            assert set(uids) <= set(truth), f"{symbol}: a trade not the tape's"
            # the archive starts (and ends) where a snapshot may split two fills of one ms
            inner = {u for u, t in truth.items() if first < t["time_ms"] < last}
            assert inner <= set(uids), f"{symbol}: a trade lost: {inner - set(uids)}"
            for row in mine:
                t = truth[row["trade_uid"]]
                assert _ms(row["time"]) == t["time_ms"]
                assert row["price"] == type(row["price"])(str(t["price"]))
                assert row["volume"] == type(row["volume"])(str(t["size"]))
        books = archived_books_verify(root)  # futures: by seq continuity
        assert all(r["checksum"] is None and r["seq"] is not None for r in books)
    finally:
        handle.stop()


def test_all_archives_every_tradeable_futures_instrument(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from kraken_cli.sandbox.futures.market import CONTRACTS

    handle = start_sandbox(tmp_path_factory.mktemp("sb"), live_rate=5)
    root, home = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("home")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), "--all",
             "--market", "futures", "--channels", "trades,ticker", "--duration", "3s"],
            capture_output=True, text=True, env=krx_env(home, sandbox=handle), cwd=home,
            timeout=90,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        rows = run_query(root, "SELECT DISTINCT symbol FROM trades")
        assert {r["symbol"] for r in rows} == {c.symbol for c in CONTRACTS}
        (tickers,) = run_query(root, "SELECT count(*) AS n FROM ticker")
        assert tickers["n"] > 0
        refused = subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), "PF_XBTUSD",
             "--market", "futures", "--channels", "candles"],
            capture_output=True, text=True, env=krx_env(home, sandbox=handle), cwd=home,
            timeout=60,
        )  # fmt: skip
        assert refused.returncode == 2 and "trades,book,ticker" in refused.stderr
    finally:
        handle.stop()
