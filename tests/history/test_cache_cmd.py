"""``krx cache info | clear`` on a store filled without the network."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kraken_cli.services.history.candles import store_path, sync_trades
from kraken_cli.services.history.store import TradeStore
from tests.history.fakes import FakeTrades, make_tape
from tests.support.env import krx_env


def _krx(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", *args],
        capture_output=True,
        text=True,
        env=krx_env(tmp),
        cwd=tmp,
        check=False,
    )


def test_info_then_clear_one_pair(tmp_path: Path) -> None:
    tape = make_tape(1500, 4)
    with TradeStore(store_path(tmp_path / "cache" / "krx")) as store:
        for pair in ("XXBTZUSD", "XETHZUSD@127.0.0.1:9"):
            sync_trades(store, pair, tape[0].time_ns, tape[-1].time_ns + 1, FakeTrades(tape))
    out = _krx(tmp_path, "cache", "info", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["pair"], r["trades"]) for r in rows] == [
        ("XETHZUSD@127.0.0.1:9", 1500),
        ("XXBTZUSD", 1500),
    ]
    assert rows[0]["covered"].count("..") == 1
    assert "MB on disk" in out.stderr
    # equal trade counts, equal shares of the store's size on disk
    assert rows[0]["bytes"] == rows[1]["bytes"] > 0
    mb = float(out.stderr.split("MB on disk")[0].split()[-1])
    assert abs(sum(r["bytes"] for r in rows) / 1e6 - mb) <= 0.05 + 1e-6
    cleared = _krx(tmp_path, "cache", "clear", "xethzusd")
    assert cleared.returncode == 0 and "removed 1,500 trades" in cleared.stderr
    rows = json.loads(_krx(tmp_path, "cache", "info", "--format", "json").stdout)
    assert [r["pair"] for r in rows] == ["XXBTZUSD"]
    assert _krx(tmp_path, "cache", "clear").returncode == 0
    assert json.loads(_krx(tmp_path, "cache", "info", "--format", "json").stdout) == []
