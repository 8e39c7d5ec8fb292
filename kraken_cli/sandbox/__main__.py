"""Run the sandbox: ``python -m kraken_cli.sandbox [options]``."""

from __future__ import annotations

import sys

from kraken_cli.sandbox.options import from_args
from kraken_cli.sandbox.server import run


def main(argv: list[str] | None = None) -> int:
    """Parse options and serve until interrupted."""
    options = from_args(argv)
    try:
        return run(options)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"krx sandbox: error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
