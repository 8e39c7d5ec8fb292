"""Run every benchmark script in bench/ (make bench); report which met their targets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each bench/*.py (except helpers) in turn and summarise exit statuses."""
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "run_all")))
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
