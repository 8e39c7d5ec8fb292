"""Small helpers shared by the benchmarks: timing whole processes and printing tables."""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve_env(home: Path, token: str) -> dict[str, str]:
    """Return the environment of a sandbox + `krx serve` run: own XDG dirs and state under home."""
    return dict(
        os.environ,
        XDG_CACHE_HOME=str(home / "c"),
        XDG_CONFIG_HOME=str(home / "f"),
        XDG_STATE_HOME=str(home / "s"),
        KRX_SANDBOX_STATE=str(home / "sandbox.json"),
        PROVIDER_API_TOKEN=token,
    )


def get_with_token(url: str, token: str, timeout: float = 60) -> bytes:
    """GET ``url`` with the Provider API token; return the body (an HTTP error raises)."""
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
        return body


def krx_command() -> list[str]:
    """Return the command that runs krx as a user would (the console script when installed)."""
    script = Path(sys.executable).with_name("krx")
    if script.exists():
        return [str(script)]
    found = shutil.which("krx")
    return [found] if found else [sys.executable, "-m", "kraken_cli"]


def time_process(
    argv: Sequence[str], *, runs: int = 15, warmup: int = 3, env: dict[str, str] | None = None
) -> list[float]:
    """Run a whole process repeatedly; return wall times in milliseconds (after warm-up)."""
    # Measure what users see: bytecode cached (this machine sets PYTHONDONTWRITEBYTECODE=1).
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**base, **(env or {})}
    times: list[float] = []
    for index in range(warmup + runs):
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, env=env, check=False)
        elapsed = (time.perf_counter() - start) * 1000
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode()[-400:]}")
        if index >= warmup:
            times.append(elapsed)
    return times


def time_processes(
    cases: dict[str, Sequence[str]],
    *,
    runs: int = 15,
    warmup: int = 3,
    env: dict[str, str] | None = None,
) -> dict[str, tuple[list[float], list[float]]]:
    """Time commands round-robin (fair under drifting load); per command (wall ms, CPU ms).

    CPU time is the process's user + system time: on a shared, loaded machine it stays close
    to what the command costs, where wall time mostly measures the neighbours.
    """
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    full_env = {**base, **(env or {})}
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
    for round_ in range(warmup + runs):
        for name, argv in cases.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(argv, capture_output=True, env=full_env, check=False)
            wall = (time.perf_counter() - start) * 1000
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed: {result.stderr.decode()[-400:]}")
            cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
            if round_ >= warmup:
                times[name][0].append(wall)
                times[name][1].append(cpu)
    return times


def summary(times: Sequence[float]) -> tuple[float, float, float]:
    """Return (min, median, max)."""
    return min(times), statistics.median(times), max(times)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a small markdown table (pasted into the README as is)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


#: Prefix of the line a benchmark prints per result; ``run_all.py`` collects them for its summary.
RESULT_TAG = "krx-bench-result "


@dataclass(frozen=True)
class Result:
    """One krx figure against its floor measured in the same run, with the target ratio.

    ``ratio`` is krx / floor. Times and counts are better lower (``target`` is a ceiling on the
    ratio); rates are better higher (``higher_is_better=True``: ``target`` is a minimum). Without
    a floor (``floor=None``, e.g. peak memory), ``target`` bounds the krx figure itself.
    """

    name: str
    krx: float
    floor: float | None
    unit: str
    target: float
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        """Return krx / floor (None without a floor)."""
        return None if self.floor is None else self.krx / self.floor

    @property
    def passed(self) -> bool:
        """Return whether the target is met."""
        value = self.krx if self.ratio is None else self.ratio
        return value >= self.target if self.higher_is_better else value <= self.target

    def target_text(self) -> str:
        """Return the target as read in a table, e.g. ``<= 2.00x floor`` or ``<= 150 MB``."""
        sign = ">=" if self.higher_is_better else "<="
        if self.floor is None:
            return f"{sign} {figure(self.target, self.unit)}"
        return f"{sign} {self.target:.2f}x floor"


def figure(value: float, unit: str) -> str:
    """Return ``value`` with its unit, as many digits as a reader needs."""
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return f"{text} {unit}".strip()


def report(results: Iterable[Result]) -> bool:
    """Print one tagged JSON line per result (``run_all.py`` collects them); True if all pass."""
    ok = True
    for result in results:
        print(RESULT_TAG + json.dumps(asdict(result)), flush=True)
        ok = ok and result.passed
    return ok


def parse_result(line: str) -> Result | None:
    """Return the Result a tagged line carries (None for any other line)."""
    if not line.startswith(RESULT_TAG):
        return None
    return Result(**json.loads(line[len(RESULT_TAG) :]))
