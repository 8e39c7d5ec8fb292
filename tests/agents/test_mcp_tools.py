"""``krx mcp``'s tool catalogue and argument checks, without a server process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

import jsonschema

from kraken_cli.config.settings import Credentials, Settings
from kraken_cli.errors import KrxError, UsageError
from kraken_cli.mcp.calls import Calls
from kraken_cli.mcp.server import _failure, _secrets, _success, check_arguments
from kraken_cli.mcp.tools import tools
from kraken_cli.models.segment import Market

ROOT = Path(__file__).resolve().parents[2]


def test_every_schema_is_valid_json_schema_and_closed() -> None:
    for tool in tools(allow_trading=True, archive=True).values():
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        assert tool.input_schema["additionalProperties"] is False
        assert set(tool.required) <= set(tool.properties)


def test_order_tools_only_when_trading_is_allowed() -> None:
    orders = {"order_add", "order_amend", "order_cancel", "order_cancel_all"}
    assert not orders & set(tools(allow_trading=False))
    assert orders <= set(tools(allow_trading=True))
    assert all(t.trading == (t.name in orders) for t in tools(allow_trading=True).values())


def test_check_arguments_drops_nulls_and_names_the_problem() -> None:
    candles = tools(allow_trading=False)["candles"]
    args = check_arguments(candles, {"symbol": "BTCUSD", "interval": "h1", "since": None})
    assert args == {"symbol": "BTCUSD", "interval": "h1"}
    with pytest.raises(UsageError, match=r"days: -1 is less than or equal to"):
        check_arguments(candles, {"symbol": "BTCUSD", "interval": "h1", "days": -1})


def test_market_default_comes_from_the_server_and_is_checked() -> None:
    calls = Calls(Settings(), Market.FUTURES)
    assert calls.market(None) == Market.FUTURES
    assert calls.market("Spot") == Market.SPOT
    with pytest.raises(UsageError, match="no margin variant"):
        calls.market("margin", (Market.SPOT, Market.FUTURES))


def test_results_and_errors_never_carry_a_configured_secret() -> None:
    key, secret = "K" * 56, "c2VjcmV0" * 11
    calls = Calls(Settings(spot=Credentials(key, secret)))
    secrets = _secrets(calls)
    result = _success([{"detail": f"key {key} used"}], secrets)
    assert key not in result.content[0].text
    assert result.structured_content == {"records": [{"detail": "key *** used"}]}
    error = _failure(KrxError(f"bad signature for {secret}", hint="check it"), secrets)
    assert error.is_error and secret not in str(error.model_dump())
    assert error.content[0].text == "krx: error: bad signature for ***\nhint: check it"


def test_help_lists_mcp_without_importing_the_sdk() -> None:
    code = (
        "import sys\n"
        "from kraken_cli.cli.app import run\n"
        "run(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'mcp_types')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert " mcp " in result.stdout
    assert result.stdout.strip().endswith("[]")
