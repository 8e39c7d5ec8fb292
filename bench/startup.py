"""Cold start of whole krx processes, each against its floor measured in the same run.

* ``krx --help`` against ``python -c "import typer"``: target <= 1.5x (issue 2).
* Real commands against a local sandbox -- ``krx ticker``, ``krx orderbook`` and ``krx candles``
  over a range already in the trade store -- against ``startup_floor.py``: the same HTTP GETs
  over ``http.client`` (or the same SQLite read), the same files read, the same bytes printed.
  Target <= 2x (issue 17).

Commands run round-robin, bytecode cached, after warm-ups (the pairs cache and the trade store
are filled first, as they are for a user's second command; the pairs cache holds 1,450 pairs, about
Kraken's count). The ratios compare CPU time (user +
system) of the whole process: this machine is shared, and wall time mostly measures the load.

Run: ``make bench`` or ``python bench/startup.py [RUNS]``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _util import ROOT, Result, krx_command, print_table, report, summary, time_processes

HELP_TARGET = 1.5
COMMAND_TARGET = 2.0
NS = 1_000_000_000
FLOOR_SCRIPT = str(Path(__file__).with_name("startup_floor.py"))
_DEBUG_GET = re.compile(r"krx: debug: GET (\S+) -> 200")


#: Pairs the sandbox lists (about Kraken's count).
PAIRS = 1450


def start_sandbox(workdir: Path) -> subprocess.Popen[str]:
    """Start the sandbox on a free port; return it once it listens."""
    state = workdir / "krx" / "sandbox.json"  # where krx looks (XDG_STATE_HOME=workdir)
    # Kraken lists ~1,450 spot pairs: the pairs cache every command reads is that size here too
    # (the sandbox's 6 real pairs plus synthetic ones), so resolving a symbol costs what it does
    # for a user.
    args = ["--port", "0", "--seed", "1", "--pairs", str(PAIRS), "--state-file", str(state)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "krx sandbox ready":
        proc.kill()
        raise SystemExit("sandbox did not start")
    return proc


def floor_for(krx_argv: Sequence[str], env: dict[str, str], tmp: Path, name: str) -> list[str]:
    # krx reads the sandbox's state file and the pairs cache: the floor reads them too
    """Run ``krx_argv`` twice (filling caches); return the floor command doing the same I/O."""
    args = [*krx_argv, "--debug"]
    merged = {**os.environ, **env}
    subprocess.run(args, capture_output=True, env=merged, check=True)
    done = subprocess.run(args, capture_output=True, env=merged, check=True)
    expected = tmp / f"{name}.out"
    expected.write_bytes(done.stdout)
    state = tmp / "krx" / "sandbox.json"
    floor = [sys.executable, FLOOR_SCRIPT, str(expected), "--read", str(state)]
    for pairs in sorted((tmp / "krx").glob("pairs-*.json")):
        floor += ["--read", str(pairs)]
    for url in _DEBUG_GET.findall(done.stderr.decode()):
        floor += ["--get", url]
    return floor


def main() -> int:
    """Measure and print the start-up table; exit 1 when a target is missed."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    krx = krx_command()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sandbox = start_sandbox(tmp)
        try:
            results = measure(krx, tmp, runs)
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=10)
    return 0 if report(results) else 1


def measure(krx: list[str], tmp: Path, runs: int) -> list[Result]:
    """Time every command and its floor; print the table; return the headline results."""
    config = tmp / "config.provider.json"
    config.write_text((ROOT / "config.provider.example.json").read_text())
    config.chmod(0o600)
    env = {
        "KRAKEN_API_KEY": "bench-key",
        "KRAKEN_API_SECRET": "YmVuY2g=",
        "XDG_STATE_HOME": str(tmp),
        "XDG_CACHE_HOME": str(tmp),
        "XDG_CONFIG_HOME": str(tmp),
        "NO_COLOR": "1",
    }
    # a closed hour well inside the sandbox's history and outside the OHLC window: all cached
    hour = int(time.time()) // 3600 * 3600 - 20 * 3600
    commands = {
        "krx ticker BTCUSD": [*krx, "--sandbox", "ticker", "BTCUSD"],
        "krx orderbook BTCUSD": [*krx, "--sandbox", "orderbook", "BTCUSD", "--depth", "10"],
        "krx candles BTCUSD min1 (1 h, cached)": [
            *krx,
            *("--sandbox", "candles", "BTCUSD", "min1"),
            *("--since", str(hour), "--until", str(hour + 3600)),
        ],
    }
    cases: dict[str, list[str]] = {
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "krx --help": [*krx, "--help"],
        "krx config validate (cached)": [*krx, "--config", str(config), "config", "validate"],
    }
    for index, (name, argv) in enumerate(commands.items()):
        floor = floor_for(argv, env, tmp, f"cmd{index}")
        if name.startswith("krx candles"):
            store = str(tmp / "krx" / "trades.sqlite")
            floor += ["--trades", store, str(hour * NS), str((hour + 3600) * NS)]
        cases[name] = argv
        cases[f"{name}: floor"] = floor
    measured = time_processes(cases, runs=runs, env=env)
    wall = {name: summary(w) for name, (w, _) in measured.items()}
    cpu = {name: summary(c) for name, (_, c) in measured.items()}
    print_table(
        f"Start-up, whole process, {runs} runs round-robin after 3 warm-ups (ms)",
        ("command", "wall min", "wall median", "CPU min", "CPU median"),
        [
            (name, f"{wall[name][0]:.1f}", f"{wall[name][1]:.1f}", f"{lo:.1f}", f"{med:.1f}")
            for name, (lo, med, _) in cpu.items()
        ],
    )
    # the headline is CPU time (user + system): wall time on a shared machine is mostly noise
    typer = cpu["python -c 'import typer'"][1]
    results = [Result("krx --help vs import typer", cpu["krx --help"][1], typer, "ms", HELP_TARGET)]
    for name in commands:
        floor = cpu[f"{name}: floor"][1]
        results.append(Result(name, cpu[name][1], floor, "ms", COMMAND_TARGET))
    print()
    for r in results:
        print(f"{r.name}: {r.ratio:.2f}x its floor (target {r.target_text()})")
    print(json.dumps({"bench": "startup", **{r.name: round(r.ratio or 0, 3) for r in results}}))
    return results


if __name__ == "__main__":
    raise SystemExit(main())
