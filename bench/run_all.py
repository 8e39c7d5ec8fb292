"""Run the benchmarks (make bench) one after another; report which met their targets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each benchmark in turn and summarise exit statuses."""
    # The benchmarks proper; the other modules here are their helpers (feeds, servers).
    scripts = [
        HERE / name
        for name in (
            "startup.py",
            "history.py",
            "history_import.py",
            "nonce_concurrency.py",
            "stream.py",
        )
    ]
    failed: list[str] = []
    for script in scripts:
        print(f"\n## {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE, check=False)
        if result.returncode != 0:
            failed.append(script.name)
    print("\nall targets met" if not failed else f"\ntargets missed or failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
