"""Property: every command, given hostile arguments, exits with a code of SPEC's table, never 1.

Each command of the Typer app is run in process with options and arguments drawn from a
vocabulary of hostile values (non-finite and huge numbers, far-away dates, control characters,
ambiguous intervals, long strings). Kraken is a closed local port, retries are off, and the
commands that would block (the sandbox server, streams) are stubbed at their service.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kraken_cli.cli import app as app_module
from kraken_cli.cli.exit_codes import INTERNAL

#: SPEC's exit codes other than 1 (130 is Ctrl-C, which a test never sends).
ALLOWED = {0, 2, 3, 4, 5, 6, 7, 8}
HOSTILE = [
    "inf", "-inf", "nan", "NaN", "-1", "0", "1", "3", "99999999999", "1e400", "-0", "2.5",
    "0001-01-01", "9999-12-31T23:59:59Z", "1970-01-01", "99999999999999999999d", "7d", "90m",
    "1M", "1m", "h1", "month", "min1", "BTCUSD", "XBT/USD", "PF_XBTUSD", "ETH", "", " ",
    "\x1b[31mred", "a\rb", "x" * 300, "\u202eevil", "é", "-", "--", "spot", "futures", "margin",
    "buy", "sell", "limit", "market", "stop-loss", "OABCDE-FGHIJ-KLMNOP", "12345678901234567890",
]  # fmt: skip
FUZZ = settings(
    max_examples=int(os.environ.get("KRX_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _leaf_commands() -> list[tuple[list[str], Any]]:
    root = typer.main.get_command(app_module.app)
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append((path, command))

    walk(root, [])
    return found


#: Commands with a known exit-1 bug, left out until their owner fixes it (reported on #18).
KNOWN_EXIT_1: dict[str, str] = {}
COMMANDS = [c for c in _leaf_commands() if " ".join(c[0]) not in KNOWN_EXIT_1]
values = st.sampled_from(HOSTILE) | st.text(max_size=12)


@st.composite
def invocations(draw: st.DrawFn) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    args = list(path)
    for param in command.params:
        if param.param_type_name == "argument":
            count = draw(st.integers(0, 2)) if param.nargs == -1 else 1
            args += [draw(values) for _ in range(count)]
        elif draw(st.booleans()):
            name = param.opts[0]
            args += [name] if getattr(param, "is_flag", False) else [name, draw(values)]
    if draw(st.integers(0, 9)) == 0:
        args += draw(st.sampled_from([["--format", "csv"], ["--format", "x"], ["--debug"]]))
    return args


@pytest.fixture
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No network, no retries, no blocking servers; its own config and XDG dirs."""
    for name in list(os.environ):
        if name.startswith(("KRAKEN_", "KRX_")):
            monkeypatch.delenv(name)
    for kind in ("CONFIG", "STATE", "CACHE", "DATA"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / kind.lower()))
    closed = "127.0.0.1:9"
    for var, scheme in (("REST", "http"), ("FUTURES", "http"), ("WS", "ws"), ("WS_AUTH", "ws")):
        monkeypatch.setenv(f"KRX_{var}_URL", f"{scheme}://{closed}")
    monkeypatch.setenv("KRX_FUTURES_WS_URL", f"ws://{closed}")
    config = tmp_path / "config.provider.json"
    config.write_text(json.dumps({"provider": {}, "krx": {"maxRetries": 0, "timeoutSeconds": 2}}))
    monkeypatch.setenv("KRX_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    one_try = lambda attempt, *_a, **_k: attempt(1)  # noqa: E731
    monkeypatch.setattr("kraken_cli.client.http.run_with_retry", one_try)
    monkeypatch.setattr("kraken_cli.client.futures_rest.run_with_retry", one_try)
    monkeypatch.setattr("kraken_cli.sandbox.server.run", lambda *_a, **_k: None)
    monkeypatch.setattr("kraken_cli.serve.runner.run", lambda *_a, **_k: None)
    monkeypatch.setattr("kraken_cli.mcp.server.serve", lambda *_a, **_k: None)
    monkeypatch.setattr("kraken_cli.services.stream.engine.StreamService.run", lambda _self: 0)
    monkeypatch.setattr("kraken_cli.services.stream.futures.stream", lambda *_a, **_k: iter(()))
    return tmp_path


@FUZZ
@given(args=invocations())
def test_every_command_exits_with_a_spec_code(hermetic: Path, args: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = app_module.run(args)
    stderr = err.getvalue()
    assert code in ALLOWED, (args, code, stderr[-600:])
    assert code != INTERNAL
    if "--debug" not in args:
        assert "Traceback" not in stderr, (args, stderr[-600:])
    if code != 0:
        assert "krx" in stderr or "Usage:" in stderr, (args, stderr[-600:])  # said why


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path, _ in _leaf_commands()}
    assert {"candles", "stream", "sandbox", "order add", "config show", "cache clear"} <= names
    assert "serve" in names
