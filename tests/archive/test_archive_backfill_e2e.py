"""krx archive --all over many pairs whose connections the sandbox keeps dropping: after each
drop every symbol of the connection is backfilled from REST (paced) while the socket is read;
the archive equals the sandbox's ground-truth tape, each trade once."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from kraken_cli.archive.query import run_query
from tests.e2e.conftest import SandboxHandle, start_sandbox
from tests.support.env import krx_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # ~a minute of live sandbox
PAIRS = 40


def _tape_ids(handle: SandboxHandle, pair: str) -> dict[int, dict[str, Any]]:
    text = httpx.get(f"{handle.rest_url}/sandbox/tape", params={"pair": pair}, timeout=30).text
    return {row["trade_id"]: row for row in map(json.loads, text.splitlines()) if row}


@pytest.mark.timeout(300)
def test_many_symbols_dropped_and_backfilled_archive_the_tape_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    handle = start_sandbox(
        tmp_path_factory.mktemp("sb"),
        ready_timeout_s=120,
        pairs=PAIRS,
        book_rate=1,
        live_rate=5,
        drop_every=150,
    )
    root, home = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("home")
    try:
        pairs = handle.public("AssetPairs").json()["result"]
        run = subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), "--all",
             "--channels", "trades", "--duration", "25s"],
            capture_output=True, text=True, env=krx_env(home, sandbox=handle), cwd=home,
            timeout=200,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert run.stderr.count("krx: reconnect:") >= 2, run.stderr[-2000:]
        # gaps were met (their fills may still be running when --duration ends: timing)
        assert "krx: gap:" in run.stderr or "krx: backfill:" in run.stderr
        rows = list(run_query(root, "SELECT symbol, trade_id, price, volume FROM trades"))
        by_symbol: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_symbol.setdefault(row["symbol"], []).append(row)
        assert len(by_symbol) >= PAIRS // 2
        for key, pair in pairs.items():
            archived = by_symbol.get(pair["wsname"])
            if not archived:
                continue
            ids = sorted(r["trade_id"] for r in archived)
            assert len(ids) == len(set(ids)), f"{key}: a trade archived twice"
            assert ids == list(range(ids[0], ids[-1] + 1)), f"{key}: a trade lost"
            tape = _tape_ids(handle, key)
            for row in archived:
                truth = tape[row["trade_id"]]
                assert row["price"] == type(row["price"])(truth["price"])
                assert row["volume"] == type(row["volume"])(truth["volume"])
    finally:
        handle.stop()
