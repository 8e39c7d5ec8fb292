"""The ``krx sandbox`` Typer command: options mirror ``python -m kraken_cli.sandbox``."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from kraken_cli.cli import sandbox_cmd
from kraken_cli.errors import ConfigError, UsageError
from kraken_cli.sandbox.options import build_parser


def make_app() -> typer.Typer:
    app = typer.Typer()
    sandbox_cmd.register(app)

    @app.command("noop")
    def noop() -> None:
        """Keep Typer in multi-command mode."""

    return app


def test_help_lists_the_same_options_as_the_module() -> None:
    result = CliRunner().invoke(make_app(), ["sandbox", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    module_options = {
        opt for action in build_parser()._actions for opt in action.option_strings
    } - {"-h", "--help"}
    for option in module_options:
        assert option in result.output, option


def test_missing_extra_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def fake(name: str, *args: Any) -> Any:
        return None if name in ("starlette", "uvicorn") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    with pytest.raises(ConfigError, match="sandbox' extra") as info:
        sandbox_cmd.sandbox()
    assert info.value.hint and "kraken-cli-krx[sandbox]" in info.value.hint


def test_non_loopback_host_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="loopback"):
        sandbox_cmd.sandbox(host="0.0.0.0")
    with pytest.raises(UsageError, match="together"):
        sandbox_cmd.sandbox(key="k")
