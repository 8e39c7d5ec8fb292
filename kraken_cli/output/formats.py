"""The output formats, defined once: what ``--format`` accepts and what it defaults to."""

from __future__ import annotations

import sys
from typing import TextIO

#: Every format krx writes; ``--format`` / ``KRX_FORMAT`` accept exactly these.
FORMATS = ("table", "json", "jsonl", "csv")


def default_format(stream: TextIO | None = None) -> str:
    """Return ``table`` when writing to a terminal, else ``jsonl`` (SPEC.md)."""
    stream = stream or sys.stdout
    try:
        return "table" if stream.isatty() else "jsonl"
    except (AttributeError, ValueError):
        return "jsonl"  # a closed or captured stdout
