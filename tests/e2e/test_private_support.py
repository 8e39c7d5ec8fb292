"""Helpers for the private e2e tests: run krx against any sandbox handle, read ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.env import krx_env


def run_krx(
    handle: Any, home: Path, *args: str, config: dict[str, Any] | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kraken_cli --sandbox ARGS`` against ``handle`` with isolated XDG dirs."""
    env = krx_env(home, sandbox=handle)
    extra: list[str] = []
    if config is not None:
        path = home / "config.provider.json"
        path.write_text(json.dumps(with_provider(config)))
        extra = ["--config", str(path)]
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--sandbox", *extra, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=timeout,
    )


def with_provider(krx: dict[str, Any]) -> dict[str, Any]:
    """Return a minimal config document (a spot BTCUSD market) with the given ``krx`` section."""
    connector = {
        "connectorType": "kraken",
        "enabled": True,
        "markets": [{"marketType": "spot", "symbols": [{"name": "BTCUSD"}]}],
    }
    return {"provider": {"connectors": [connector]}, "krx": krx}


def ground_truth(handle: Any) -> dict[str, Any]:
    """Return the sandbox's orders (``GET /sandbox/orders``)."""
    response = httpx.get(f"{handle.rest_url}/sandbox/orders", timeout=10)
    response.raise_for_status()
    orders: dict[str, Any] = response.json()["orders"]
    return orders


def jsonl(text: str) -> list[dict[str, Any]]:
    """Parse JSON lines."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def calls(handle: Any) -> dict[str, int]:
    """Return the sandbox's authenticated private calls per method (``GET /sandbox/calls``)."""
    response = httpx.get(f"{handle.rest_url}/sandbox/calls", timeout=10)
    response.raise_for_status()
    result: dict[str, int] = response.json()
    return result
