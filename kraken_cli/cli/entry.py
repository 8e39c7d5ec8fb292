"""The ``krx`` console script: start and exit without garbage-collection passes over imports.

Importing typer and krx allocates ~100k objects, none of them garbage, yet the collector scans
them ~40 times on the way in (~5 ms of a one-shot command) and the interpreter's final
collection scans them all again on the way out (~10 ms). So the collector is off while the CLI
imports; what was imported is then frozen (never scanned again: a long-running command such as
``krx serve`` collects its own garbage only), and so is everything alive at exit, where the
process hands its memory back anyway. Cyclic garbage left at exit has no finalizer to run
(Python does not promise those at exit either): files and stores are closed by the commands.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Run krx with the collector off during imports and at exit (see the module docstring)."""
    gc.disable()
    from kraken_cli.cli.app import main as run_krx

    gc.freeze()
    gc.enable()
    try:
        run_krx()
    finally:
        gc.freeze()
