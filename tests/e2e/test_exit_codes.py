"""One end-to-end test per exit code of SPEC.md, driving the real krx process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e

Run = Callable[..., subprocess.CompletedProcess[str]]


def _env(tmp_path: Path, sandbox: SandboxHandle | None, **extra: str) -> dict[str, str]:
    return krx_env(tmp_path, sandbox=sandbox, **extra)


def _krx(tmp_path: Path, sandbox: SandboxHandle | None, *args: str, **env: str) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path, sandbox, **env),
        cwd=tmp_path,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


def _assert_error(result: Any, code: int, needle: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "krx: error:" in result.stderr and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_0_success(krx: Run) -> None:
    result = krx("status", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["status"] == "online"


def test_2_usage(krx: Run) -> None:
    unknown = krx("ticker", "NOSUCHCOIN")
    _assert_error(unknown, 2, "NOSUCHCOIN")
    bad_interval = krx("candles", "BTCUSD", "h3")
    _assert_error(bad_interval, 2, "h3")
    assert "min1" in bad_interval.stderr
    no_tty = krx("order", "add", "BTCUSD", "buy", "0.001", "--type", "market")
    assert no_tty.returncode == 2 and "--yes" in no_tty.stderr


def test_3_config(tmp_path: Path, sandbox: SandboxHandle) -> None:
    missing = _krx(tmp_path, None, "--config", str(tmp_path / "nope.json"), "config", "validate")
    _assert_error(missing, 3, "nope.json")
    config = tmp_path / "config.provider.json"
    config.write_text(
        json.dumps(
            {
                "provider": {
                    "connectors": [{"connectorType": "kraken", "key": "${NOT_SET_ANYWHERE}"}]
                }
            }
        )
    )
    undefined = _krx(tmp_path, None, "--config", str(config), "config", "validate")
    _assert_error(undefined, 3, "NOT_SET_ANYWHERE")


def test_4_auth(tmp_path: Path, sandbox: SandboxHandle) -> None:
    config = tmp_path / "config.provider.json"
    connector = {"connectorType": "kraken", "key": sandbox.api_key, "secret": "d3Jvbmc="}
    config.write_text(json.dumps({"provider": {"connectors": [connector]}}))
    config.chmod(0o600)
    # not --sandbox (which always uses the sandbox's own key): the sandbox's URL, our key
    result = _krx(
        tmp_path, None, "--config", str(config), "account", "balance", KRX_REST_URL=sandbox.rest_url
    )
    _assert_error(result, 4, "EAPI:Invalid signature")
    assert "d3Jvbmc=" not in result.stderr + result.stdout  # the secret never shows


def test_5_kraken_rejected(krx: Run) -> None:
    result = krx("order", "add", "BTCUSD", "buy", "100000", "--type", "market", "--yes")
    _assert_error(result, 5, "EOrder:Insufficient funds")


def test_6_network(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _krx(tmp_path, None, "status", KRX_REST_URL="http://127.0.0.1:9")
    _assert_error(result, 6, "")
    assert "hint:" in result.stderr
    assert time.monotonic() - started < 60  # bounded retries


def test_8_integrity(tmp_path: Path, sandbox_factory: Callable[..., SandboxHandle]) -> None:
    broken = sandbox_factory(corrupt_checksum_every=1, book_rate=50)
    result = _krx(tmp_path, broken, "--sandbox", "stream", "book", "BTCUSD", "--duration", "60")
    _assert_error(result, 8, "")


def test_130_interrupted(tmp_path: Path, sandbox: SandboxHandle) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "stream", "trades", "BTCUSD"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path, sandbox),
    )
    time.sleep(2.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "interrupted" in err and "Traceback" not in err


def test_head_closes_pipe_quietly(tmp_path: Path, sandbox: SandboxHandle) -> None:
    env = _env(tmp_path, sandbox)
    result = subprocess.run(
        f"{sys.executable} -m kraken_cli --sandbox trades BTCUSD --since 2d | head -1; "
        "echo rc=${PIPESTATUS[0]}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )
    assert result.stdout.strip().endswith("rc=0"), result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "error" not in result.stderr
