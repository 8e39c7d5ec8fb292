"""(b) `krx stream trades` end to end against the sandbox, against an in-run floor.

The sandbox publishes its tape as fast as it can (``--live-rate`` high). The floor is the least
a Python client can do with the same feed: websocket-client ``recv`` (skip_utf8_validation) +
``json.loads`` + ``json.dumps`` + write, in this process. krx runs as a user runs it, stdout
into a pipe that this process reads; the rate is taken from the first to the last record.
Both rates count trades per second (a sandbox message may carry several trades).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._util import krx_command, print_table  # noqa: E402

N_TRADES = 100_000
LIVE_RATE = 20_000  # the sandbox publishes its tape at this rate (trades/s)


def _start_sandbox(workdir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    state = workdir / "sandbox.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "kraken_cli.sandbox", "--port", "0", "--seed", "1",
            "--state-file", str(state), "--live-rate", str(LIVE_RATE),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    while not state.exists() or not state.read_text().strip():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit("sandbox did not start")
        time.sleep(0.05)
    time.sleep(0.2)
    return proc, json.loads(state.read_text())


def floor(ws_url: str, n: int) -> float:
    """Trades/s of recv + json.loads + json.dumps + write (to /dev/null)."""
    import websocket

    ws = websocket.create_connection(ws_url, timeout=10, skip_utf8_validation=True)
    ws.send(
        json.dumps({"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USD"]}})
    )
    out = open(os.devnull, "w")  # noqa: SIM115
    got, t0 = 0, 0.0
    while got < n:
        msg = json.loads(ws.recv())
        if msg.get("channel") != "trade":
            continue
        if not got:
            t0 = time.perf_counter()
        out.write(json.dumps(msg) + "\n")
        got += len(msg["data"])
    dt = time.perf_counter() - t0
    ws.close()
    out.close()
    return got / dt


def krx_rate(state_file: str, workdir: Path, n: int) -> float:
    """Trades/s written by `krx --sandbox stream trades BTCUSD --count n` into a pipe."""
    env = dict(
        os.environ,
        KRX_SANDBOX_STATE=state_file,
        XDG_CONFIG_HOME=str(workdir / "config"),
        XDG_CACHE_HOME=str(workdir / "cache"),
        XDG_STATE_HOME=str(workdir / "state"),
        PYTHONPATH=str(ROOT),
    )
    cmd = [*krx_command(), "--sandbox", "stream", "trades", "BTCUSD", "--count", str(n)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if not first:
        raise SystemExit(f"krx stream wrote nothing: {proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
    t0 = time.perf_counter()
    got = 1
    for _line in proc.stdout:
        got += 1
    dt = time.perf_counter() - t0
    proc.wait(timeout=30)
    if got != n:
        raise SystemExit(f"krx wrote {got} records, expected {n}")
    return (got - 1) / dt


def bench_e2e(target_ratio: float, n: int = N_TRADES, repeat: int = 3) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        proc, state = _start_sandbox(work)
        try:
            floors, krxs = [], []
            for _ in range(repeat):
                floors.append(floor(state["ws_url"], n))
                krxs.append(krx_rate(str(work / "sandbox.json"), work, n))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    f, k = statistics.median(floors), statistics.median(krxs)
    ratio = k / f
    print_table(
        f"`krx stream trades` end to end vs floor ({n:,} trades, sandbox --live-rate "
        f"{LIVE_RATE:,}, median of {repeat}; target >= {target_ratio} of floor)",
        ["client", "trades/s", "ratio to floor"],
        [
            ["floor: recv(skip_utf8) + json.loads + json.dumps", f"{f:,.0f}", "1.00"],
            ["krx stream trades (stdout pipe, flushed per line)", f"{k:,.0f}", f"{ratio:.2f}"],
        ],
    )
    return ratio >= target_ratio
