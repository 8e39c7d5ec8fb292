"""A config whose key placeholders are undefined blocks only what needs the key (issue 14).

Public commands work; private ones fail with exit 3 naming the variable and a hint; ``--sandbox``
always uses the sandbox's own key, so a real (or dummy) configured key never reaches it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import REPO_ROOT, krx_env

pytestmark = pytest.mark.e2e

EXAMPLE = REPO_ROOT / "kraken_cli" / "config" / "example.json"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.provider.json"
    path.write_text(EXAMPLE.read_text())
    path.chmod(0o600)
    return path


def _krx(tmp_path: Path, sandbox: SandboxHandle | None, *args: str, **env: str) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--config", str(_config(tmp_path)), *args],
        capture_output=True,
        text=True,
        env=krx_env(tmp_path, sandbox=sandbox, **env),
        cwd=tmp_path,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


def test_public_commands_work_private_ones_name_the_variable(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    url = {"KRX_REST_URL": sandbox.rest_url}
    public = _krx(tmp_path, None, "ticker", "BTCUSD", "--format", "json", **url)
    assert public.returncode == 0, public.stderr
    assert json.loads(public.stdout)[0]["symbol"] == "BTC/USD"
    private = _krx(tmp_path, None, "account", "balance", **url)
    assert private.returncode == 3, private.stderr
    assert "krx: error:" in private.stderr and "${KRAKEN_API_KEY}" in private.stderr
    assert "krx setup" in private.stderr and "export KRAKEN_API_KEY=" in private.stderr
    assert "Traceback" not in private.stderr and private.stdout == ""
    verify = _krx(tmp_path, None, "verify", "--format", "json", **url)
    rows = {row["check"]: row for row in json.loads(verify.stdout)}
    assert rows["connectivity"]["ok"] is True
    assert "${KRAKEN_API_KEY}" in rows["key accepted"]["detail"]
    # `krx config validate` stays strict: the platform needs every variable
    strict = _krx(tmp_path, None, "config", "validate")
    assert strict.returncode == 3 and "${KRAKEN_API_KEY}" in strict.stderr


def test_sandbox_always_uses_its_own_key(tmp_path: Path, sandbox: SandboxHandle) -> None:
    undefined = _krx(tmp_path, sandbox, "--sandbox", "account", "balance", "--format", "json")
    assert undefined.returncode == 0, undefined.stderr
    dummy = {"KRAKEN_API_KEY": "dummy-key-not-for-the-sandbox", "KRAKEN_API_SECRET": "ZHVtbXk="}
    defined = _krx(tmp_path, sandbox, "--sandbox", "account", "balance", **dummy)
    assert defined.returncode == 0, defined.stderr  # was EAPI:Invalid key: the config's key
    assert "dummy-key" not in defined.stderr + defined.stdout
