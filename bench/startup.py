"""Cold start of whole krx processes against `python -c "import typer"` in the same run.

Target (issue 2): `krx --help` at most 1.5x `import typer`. Also `krx config validate` on an
unchanged, already validated config (the validation cache skips jsonschema).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from _util import ROOT, krx_command, print_table, summary, time_process

TARGET = 1.5


def main() -> int:
    """Measure and print the start-up table; exit 1 when the --help target is missed."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    krx = krx_command()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.provider.json"
        config.write_text((ROOT / "config.provider.example.json").read_text())
        config.chmod(0o600)
        env = {
            "KRAKEN_API_KEY": "bench-key",
            "KRAKEN_API_SECRET": "YmVuY2g=",
            "XDG_STATE_HOME": tmp,
            "XDG_CACHE_HOME": tmp,
            "XDG_CONFIG_HOME": tmp,
            "NO_COLOR": "1",
        }
        cases = {
            "python -c 'import typer' (floor)": [sys.executable, "-c", "import typer"],
            "python -c pass": [sys.executable, "-c", "pass"],
            "krx --help": [*krx, "--help"],
            "krx config validate (cached)": [*krx, "--config", str(config), "config", "validate"],
        }
        results = {
            name: summary(time_process(argv, runs=runs, env=env)) for name, argv in cases.items()
        }
    floor = results["python -c 'import typer' (floor)"][1]
    rows = [
        (name, f"{lo:.1f}", f"{med:.1f}", f"{hi:.1f}", f"{med / floor:.2f}x")
        for name, (lo, med, hi) in results.items()
    ]
    print_table(
        f"Start-up, whole process, {runs} runs after 3 warm-ups (ms)",
        ("command", "min", "median", "max", "vs import typer"),
        rows,
    )
    ratio = results["krx --help"][1] / floor
    print(f"\nkrx --help / import typer = {ratio:.2f} (target <= {TARGET})")
    print(json.dumps({"bench": "startup", "help_ratio": round(ratio, 3)}))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
