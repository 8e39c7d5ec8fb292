"""End-to-end: ``krx`` itself against the sandbox (runs once the CLI app exists)."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("kraken_cli.cli.app") is None, reason="krx CLI not merged yet"
    ),
]


def test_krx_sandbox_help(krx: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = krx("sandbox", "--help")
    assert result.returncode == 0, result.stderr
    assert "--drop-every" in result.stdout and "--tier" in result.stdout
