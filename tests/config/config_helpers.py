"""Shared helpers of the config tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "kraken_cli" / "config" / "example.json"


def example() -> dict[str, Any]:
    """Return a fresh copy of the shipped example config."""
    loaded: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return loaded


def write_json(path: Path, document: Any, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2))
    path.chmod(mode)
    return path


KEYS = {"KRAKEN_API_KEY": "spot-key-123456", "KRAKEN_API_SECRET": "c2VjcmV0"}
