"""`krx stream trades` end to end against its floors, all measured in the same run.

The feed is the sandbox's BTC/USD trade channel, pre-rendered and pre-framed by
``bench/stream_feed.py`` (``batch`` trades per WebSocket message) and written back to back, so
the producer costs almost nothing. krx runs as a user runs it (``--sandbox``: symbols over REST
from a real sandbox; ``KRX_WS_URL`` points at the feed), stdout a pipe that this process reads.
Every contender is its own process read the same way (``bench/stream_floor.py``):

* at 20 trades per message, the same-contract floors (msgspec, msgspec + orjson): one write per
  line, krx's record shape, exact number text. Their output must be byte-identical to krx's.
* at 1 trade per message (Kraken's usual shape), the transport ceiling: the faster of
  websocket-client and the ``websockets`` sync client doing nothing but receive.

The rate is trades from the first to the last record. Headline: trades per CPU-second of the
contender's process over that span (``/proc`` at the first record, rusage at exit), because
this machine is shared and wall time mostly measures the neighbours; wall rates are printed
too. Contenders alternate, ``repeat`` times each; medians are compared.
"""

from __future__ import annotations

import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._util import Result, krx_command, print_table  # noqa: E402

FLOOR = str(ROOT / "bench" / "stream_floor.py")
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Rate:
    wall: float
    cpu: float
    digest: str


def _start_sandbox(workdir: Path) -> subprocess.Popen[str]:
    state = workdir / "sandbox.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "kraken_cli.sandbox", "--port", "0", "--seed", "1",
            "--state-file", str(state),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not state.exists() or not state.read_text().strip():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit("sandbox did not start")
        time.sleep(0.05)
    time.sleep(0.2)
    return proc


def _start_feed(n: int, batch: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "stream_feed.py"), "--trades", str(n),
         "--batch", str(batch)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit("feed server did not start")
    return proc, f"ws://127.0.0.1:{line.split()[1]}/v2"


def _cpu_s(pid: int) -> float:
    """Return the user + system CPU seconds a live process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def run_one(argv: list[str], env: dict[str, str], lines: int, trades: int) -> Rate:
    """Run a contender; time it from its first output line to its last (``lines`` in all)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    if not first:
        raise SystemExit(f"{argv[1]} wrote nothing: {proc.stderr.read().decode()[-500:]}")
    t0, c0 = time.perf_counter(), _cpu_s(proc.pid)
    digest = hashlib.sha256(first)
    got = 1
    for line in proc.stdout:
        digest.update(line)
        got += 1
        if got == lines:
            break
    t1 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.wait(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if got != lines or proc.returncode:
        raise SystemExit(f"{argv[1]}: {got} lines (expected {lines}), exit {proc.returncode}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime - c0
    return Rate((trades - 1) / (t1 - t0), (trades - 1) / cpu, digest.hexdigest())


def _krx_env(workdir: Path, ws_url: str) -> dict[str, str]:
    return dict(
        os.environ,
        KRX_SANDBOX_STATE=str(workdir / "sandbox.json"),
        KRX_WS_URL=ws_url,
        XDG_CONFIG_HOME=str(workdir / "config"),
        XDG_CACHE_HOME=str(workdir / "cache"),
        XDG_STATE_HOME=str(workdir / "state"),
        PYTHONPATH=str(ROOT),
    )


def measure(
    workdir: Path, n: int, batch: int, floors: list[str], repeat: int
) -> dict[str, list[Rate]]:
    """Alternate krx and each floor ``repeat`` times on one feed; return their rates."""
    feed, url = _start_feed(n, batch)
    env = _krx_env(workdir, url)
    krx = [*krx_command(), "--sandbox", "stream", "trades", "BTCUSD", "--count", str(n)]
    cases = {"krx": (krx, n, n)}
    for mode in floors:
        argv = [sys.executable, FLOOR, mode, url, "--n", str(n), "--batch", str(batch)]
        lines = 2 if mode.startswith("recv-") else n
        cases[mode] = (argv, lines, n - batch + 1 if lines == 2 else n)
    rates: dict[str, list[Rate]] = {name: [] for name in cases}
    try:
        for _ in range(repeat):
            for name, (argv, lines, trades) in cases.items():
                rates[name].append(run_one(argv, env, lines, trades))
    finally:
        feed.terminate()
        feed.wait(timeout=10)
    return rates


def _median(rates: list[Rate], key: str) -> float:
    return statistics.median(getattr(r, key) for r in rates)


def _table(title: str, rates: dict[str, list[Rate]], labels: dict[str, str]) -> None:
    print_table(
        title,
        ["contender", "trades / CPU-second", "trades / s (wall)"],
        [
            [labels[name], f"{_median(r, 'cpu'):,.0f}", f"{_median(r, 'wall'):,.0f}"]
            for name, r in rates.items()
        ],
    )


def bench_e2e(n_batched: int, n_single: int, repeat: int, target: float) -> list[Result]:
    """Run both comparisons; print their tables; return the headline results."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sandbox = _start_sandbox(work)
        try:
            batched = measure(work, n_batched, 20, ["msgspec", "msgspec-orjson"], repeat)
            single = measure(
                work, n_single, 1, ["recv-websocket-client", "recv-websockets"], repeat
            )
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=10)
    digests = {r.digest for name in batched for r in batched[name]}
    if len(digests) != 1:
        raise SystemExit("the floors did not write krx's bytes: not the same contract")
    _table(
        f"`krx stream trades`, 20 trades per message, {n_batched:,} trades, median of {repeat}",
        batched,
        {
            "krx": "krx stream trades (one write per message)",
            "msgspec": "floor: msgspec decode (float_hook=str) + encode, one write per line",
            "msgspec-orjson": "floor: msgspec decode (float_hook=str) + orjson, one write per line",
        },
    )
    _table(
        f"`krx stream trades`, 1 trade per message, {n_single:,} trades, median of {repeat}",
        single,
        {
            "krx": "krx stream trades (receive, decode, verify, write)",
            "recv-websocket-client": "ceiling: websocket-client recv only (skip_utf8)",
            "recv-websockets": "ceiling: websockets sync recv only (no compression)",
        },
    )
    floor20 = max(_median(batched[m], "cpu") for m in ("msgspec", "msgspec-orjson"))
    ceiling1 = max(_median(single[m], "cpu") for m in ("recv-websocket-client", "recv-websockets"))
    unit = "trades/CPU-s"
    return [
        Result("trades, 20/msg vs same-contract floor", _median(batched["krx"], "cpu"), floor20,
               unit, target, True),
        Result("trades, 1/msg vs transport ceiling", _median(single["krx"], "cpu"), ceiling1,
               unit, target, True),
    ]  # fmt: skip


if __name__ == "__main__":
    from bench._util import report

    raise SystemExit(0 if report(bench_e2e(100_000, 100_000, 3, 0.8)) else 1)
