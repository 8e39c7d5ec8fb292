"""(b) `krx stream trades` end to end, against a floor measured in the same run on the same feed.

The feed is the sandbox's BTC/USD trade channel, pre-rendered by ``bench/stream_feed.py`` (same
generator and wire text as the sandbox, ``BATCH`` trades per message) and written back to back,
so the producer is faster than either consumer (the live sandbox renders each trade as it
publishes and, at a high ``--live-rate``, was itself the bound: both figures used to be ~20k/s).
krx still runs against a real sandbox (``--sandbox``: symbols over REST); only its WS URL
points at the feed (``KRX_WS_URL``). The floor is the least a Python client can do with the same
bytes: websocket-client ``recv`` (skip_utf8_validation) + ``json.loads`` + one ``json.dumps``
and write per trade (the unit krx writes), in this process. krx runs as a user runs it, stdout
into a pipe that this process reads, one flushed line per trade; rates are from the first to the
last record. Floor and krx alternate, ``repeat`` times each; the medians are compared.
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
BATCH = 20  # trades per WS message in the feed


def _start_sandbox(workdir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    state = workdir / "sandbox.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "kraken_cli.sandbox", "--port", "0", "--seed", "1",
            "--state-file", str(state),
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


def _start_feed(n: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "stream_feed.py"), "--trades", str(n),
         "--batch", str(BATCH)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit("feed server did not start")
    return proc, f"ws://127.0.0.1:{line.split()[1]}/v2"


def floor(ws_url: str, n: int) -> float:
    """Trades/s of recv + json.loads + json.dumps + write per trade (to /dev/null)."""
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
        for trade in msg["data"]:
            out.write(json.dumps(trade) + "\n")
        got += len(msg["data"])
    dt = time.perf_counter() - t0
    ws.close()
    out.close()
    return got / dt


def krx_rate(state_file: str, workdir: Path, n: int, ws_url: str) -> float:
    """Trades/s written by `krx --sandbox stream trades BTCUSD --count n` into a pipe."""
    env = dict(
        os.environ,
        KRX_SANDBOX_STATE=state_file,
        KRX_WS_URL=ws_url,
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
        proc, _state = _start_sandbox(work)
        feed, feed_url = _start_feed(n)
        try:
            floors, krxs = [], []
            for _ in range(repeat):
                floors.append(floor(feed_url, n))
                krxs.append(krx_rate(str(work / "sandbox.json"), work, n, feed_url))
        finally:
            for each in (proc, feed):
                each.terminate()
                each.wait(timeout=10)
    f, k = statistics.median(floors), statistics.median(krxs)
    ratio = k / f
    print_table(
        f"`krx stream trades` end to end vs floor ({n:,} trades, the sandbox's feed replayed "
        f"at full speed, {BATCH} per message, median of {repeat}; target >= {target_ratio})",
        ["client", "trades/s", "ratio to floor"],
        [
            ["floor: recv(skip_utf8) + json.loads + json.dumps per trade", f"{f:,.0f}", "1.00"],
            ["krx stream trades (stdout pipe, flushed per line)", f"{k:,.0f}", f"{ratio:.2f}"],
        ],
    )
    return ratio >= target_ratio
