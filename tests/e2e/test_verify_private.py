"""``krx verify`` against the sandbox: all permissions, a missing one, a skewed clock."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_private_support import (
    ground_truth,
    jsonl,
    run_krx,
    with_provider,
)
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e

ALL = [
    "query-funds",
    "query-open-trades",
    "query-closed-trades",
    "query-ledger",
    "modify-trades",
    "cancel-trades",
    "create-ws-token",
]


def rows(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {row["check"]: row for row in json.loads(result.stdout)}


def test_verify_all_permissions_passes_and_places_nothing(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    result = run_krx(sb, tmp_path, "verify", "--format", "json")
    assert result.returncode == 0, result.stderr
    checks = rows(result)
    assert list(checks)[:2] == ["connectivity", "clock skew"]
    for name in ("key accepted", "Query Funds", "Query Orders & Trades", "Query Ledger"):
        assert checks[name]["ok"] is True
    assert checks["Create & Modify Orders"]["ok"] is True
    assert "validate=true" in checks["Create & Modify Orders"]["detail"]
    assert checks["WebSocket token"]["ok"] is True
    assert all(set(r) >= {"check", "ok", "detail"} for r in checks.values())
    assert ground_truth(sb) == {}  # nothing was ever placed


def test_verify_reports_the_missing_permission(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    sb.control({"permissions": [p for p in ALL if p != "query-ledger"]})
    result = run_krx(sb, tmp_path, "verify", "--format", "jsonl")
    assert result.returncode == 4, result.stderr
    checks = {r["check"]: r for r in jsonl(result.stdout)}
    assert checks["Query Ledger"]["ok"] is False
    assert "permission denied" in checks["Query Ledger"]["detail"]
    assert checks["Query Funds"]["ok"] is True
    assert checks["key accepted"]["ok"] is True
    assert "Query Ledger" in result.stderr


def test_verify_reports_a_skewed_server_clock(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    sb.control({"skew_seconds": 7})
    result = run_krx(sb, tmp_path, "verify", "--format", "jsonl")
    assert result.returncode == 4, result.stdout + result.stderr
    skew = {r["check"]: r for r in jsonl(result.stdout)}["clock skew"]
    assert skew["ok"] is False and "behind Kraken by" in skew["detail"]
    measured = float(skew["detail"].split("behind Kraken by ")[1].split(" s")[0])
    assert abs(measured - 7) < 1.0  # the Time source has whole-second resolution

    sb.control({"skew_seconds": 2.5})
    result = run_krx(sb, tmp_path, "verify", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    skew = {r["check"]: r for r in jsonl(result.stdout)}["clock skew"]
    assert skew["ok"] is True and skew["warning"] is True


def test_verify_unreachable_exits_6(tmp_path: Path) -> None:
    env = krx_env(
        tmp_path,
        KRX_REST_URL="http://127.0.0.1:9",
        KRAKEN_API_KEY="a2V5",
        KRAKEN_API_SECRET="c2VjcmV0",
    )
    config = tmp_path / "config.provider.json"
    config.write_text(json.dumps(with_provider({"maxRetries": 0, "timeoutSeconds": 2})))
    env["KRX_CONFIG"] = str(config)
    result = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "verify", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=90,
    )
    assert result.returncode == 6, result.stdout + result.stderr
    first = jsonl(result.stdout)[0]
    assert first["check"] == "connectivity" and first["ok"] is False
