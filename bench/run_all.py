"""Run the benchmarks (make bench) one after another; end with one table of ratios and targets.

Each benchmark prints its own tables as it goes and reports its headline figures with
``_util.report(Result(...))``; the summary lists every reported figure (krx, floor, ratio,
target, pass/fail) and every benchmark that failed or reported nothing.

Run: ``make bench`` or ``python bench/run_all.py [startup stream ...]`` (a subset by name).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _util import Result, figure, parse_result, print_table

HERE = Path(__file__).resolve().parent

#: The benchmarks proper, in running order; the other modules here are their helpers.
BENCHES = (
    "startup",
    "history",
    "history_import",
    "nonce_concurrency",
    "stream",
    "archive",
    "archive_candles",
)


def run_bench(name: str) -> tuple[int, list[Result]]:
    """Run ``bench/<name>.py``, echoing its output; return its exit code and reported results."""
    results: list[Result] = []
    with subprocess.Popen(
        [sys.executable, str(HERE / f"{name}.py")],
        cwd=HERE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            result = parse_result(line)
            if result is None:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                results.append(result)
    return proc.returncode, results


def summary_rows(name: str, code: int, results: list[Result]) -> list[list[str]]:
    """Return the summary rows of one benchmark (one row saying so when it reported nothing)."""
    if not results:
        status = "pass" if code == 0 else f"FAIL (exit {code})"
        return [[name, "(no figures reported)", "", "", "", "", status]]
    rows = []
    for r in results:
        rows.append(
            [
                name,
                r.name,
                figure(r.krx, r.unit),
                "" if r.floor is None else figure(r.floor, r.unit),
                "" if r.ratio is None else f"{r.ratio:.2f}x",
                r.target_text(),
                "pass" if r.passed else "FAIL",
            ]
        )
    if code != 0 and all(r.passed for r in results):
        rows.append([name, "(exit status)", "", "", "", "exit 0", f"FAIL (exit {code})"])
    return rows


def main(argv: list[str]) -> int:
    """Run the chosen benchmarks (all by default); print the summary; exit 1 if any missed."""
    names = argv or list(BENCHES)
    unknown = [n for n in names if not (HERE / f"{n}.py").exists()]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {BENCHES}")
    rows: list[list[str]] = []
    for name in names:
        print(f"\n## {name}", flush=True)
        code, results = run_bench(name)
        rows += summary_rows(name, code, results)
    print_table(
        "Summary: krx against its floor, measured in the same run",
        ("bench", "measure", "krx", "floor", "ratio", "target", "result"),
        rows,
    )
    failed = [row for row in rows if row[-1] != "pass"]
    print("\nall targets met" if not failed else f"\n{len(failed)} target(s) missed or failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
