"""Isolate every config test: its own cwd, XDG dirs and no KRAKEN_* / KRX_* variables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "kraken_cli" / "config" / "example.json"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("KRAKEN_", "KRX_")):
            monkeypatch.delenv(name)
    for kind in ("CONFIG", "STATE", "CACHE", "DATA"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / "xdg" / kind.lower()))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


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
