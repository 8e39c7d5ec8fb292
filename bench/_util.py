"""Small helpers shared by the benchmarks: timing whole processes and printing tables."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
