"""Where long downloads find their progress reporter; imports nothing so the CLI can install
one at start-up for free (the CLI installs a rich bar; services never import rich)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ProgressFactory = Callable[[], Callable[[Any], None] | None]

_factory: ProgressFactory | None = None


def set_progress_factory(factory: ProgressFactory | None) -> None:
    """Install how downloads report progress by default (None: silent)."""
    global _factory
    _factory = factory


def default_progress() -> Callable[[Any], None] | None:
    """Return a fresh progress callback from the installed factory, if any."""
    return _factory() if _factory is not None else None
