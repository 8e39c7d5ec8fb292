"""An in-process spot sandbox on a fake clock, and its replies as a client decodes them."""

from __future__ import annotations

import json
from typing import Any

from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.wire import envelope
from tests.support.fakes import FakeNsClock


def make_sandbox(clock: FakeNsClock | None = None) -> Sandbox:
    """Return a quiet sandbox (short history, no live trades) on ``clock``."""
    return Sandbox(Options(history_days=0.2, live_rate=0), clock=clock or FakeNsClock())


def wire(result: object) -> Any:
    """Serialise a handler's result like the server does and decode it like a client."""
    return json.loads(envelope(result))["result"]
