"""An in-process spot sandbox on a fake clock, and its replies as a client decodes them."""

from __future__ import annotations

import json
from typing import Any

from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.wire import NS, envelope


class Clock:
    """A settable nanosecond clock."""

    def __init__(self, ns: int = 1_790_000_000 * NS) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns


def make_sandbox(clock: Clock | None = None) -> Sandbox:
    """Return a quiet sandbox (short history, no live trades) on ``clock``."""
    return Sandbox(Options(history_days=0.2, live_rate=0), clock=clock or Clock())


def wire(result: object) -> Any:
    """Serialise a handler's result like the server does and decode it like a client."""
    return json.loads(envelope(result))["result"]
