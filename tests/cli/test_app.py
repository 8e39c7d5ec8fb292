"""The CLI shell: global options anywhere, help everywhere, errors -> exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kraken_cli.cli import app as app_module
from kraken_cli.cli.app import hoist_global_options, run
from kraken_cli.errors import KrakenError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["symbols", "--format", "jsonl"], ["--format", "jsonl", "symbols"]),
        (
            ["symbols", "--format=csv", "--quote", "USD"],
            ["--format=csv", "symbols", "--quote", "USD"],
        ),
        (
            ["ticker", "BTCUSD", "--sandbox", "--debug"],
            ["--sandbox", "--debug", "ticker", "BTCUSD"],
        ),
        (["config", "show", "--config", "x.json"], ["--config", "x.json", "config", "show"]),
        (["order", "add", "--", "--format"], ["order", "add", "--", "--format"]),
        (["--format"], ["--format"]),
    ],
)
def test_global_options_are_hoisted(args: list[str], expected: list[str]) -> None:
    assert hoist_global_options(args) == expected


def _leaf_commands() -> Iterator[tuple[str, ...]]:
    import typer.main

    root = typer.main.get_command(app_module.app)

    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                yield from walk(child, (*path, name))
        else:
            yield path

    yield from walk(root, ())


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    leaves = list(_leaf_commands())
    for path in leaves:
        code = run([*path, "--help"])
        out = capsys.readouterr().out
        assert code == 0, path
        assert "Example" in out or "example" in out, f"krx {' '.join(path)} --help lacks an example"


def test_top_level_help_is_fast_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert "krx verify" in capsys.readouterr().out


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


@pytest.fixture
def probe_command() -> Iterator[list[BaseException]]:
    """Register a hidden command that raises whatever the test puts in the list."""
    to_raise: list[BaseException] = []

    @app_module.app.command("_probe", hidden=True)
    def _probe() -> None:
        raise to_raise[0]

    yield to_raise
    app_module.app.registered_commands = [
        c for c in app_module.app.registered_commands if c.name != "_probe"
    ]


def test_bad_format_is_usage_error(
    probe_command: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    probe_command.append(AssertionError("the command must not run"))
    assert run(["--format", "xml", "_probe"]) == 2
    err = capsys.readouterr().err
    assert "krx: error: unknown format 'xml'" in err and "hint:" in err


def test_krx_error_exit_code_and_message(
    probe_command: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    probe_command.append(KrakenError("Kraken: EOrder:Insufficient funds", hint="add funds"))
    assert run(["--format", "table", "_probe"]) == 5
    err = capsys.readouterr().err
    assert err.startswith("krx: error: Kraken: EOrder:Insufficient funds")
    assert "hint: add funds" in err and "Traceback" not in err


def test_json_formats_add_a_structured_error(
    probe_command: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    probe_command.append(KrakenError("boom", kraken=["EGeneral:Invalid arguments"]))
    assert run(["--format", "jsonl", "_probe"]) == 5
    err = capsys.readouterr().err
    assert (
        '{"error": {"type": "kraken", "message": "boom", "kraken": ["EGeneral:Invalid arguments"]}}'
        in err
    )


def test_ctrl_c_is_130(probe_command: list[BaseException]) -> None:
    probe_command.append(KeyboardInterrupt())
    assert run(["_probe"]) == 130


def test_bug_is_1_without_traceback(
    probe_command: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    probe_command.append(ZeroDivisionError("division by zero"))
    assert run(["_probe"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err and "--debug" in err


def test_debug_shows_traceback(
    probe_command: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    probe_command.append(ZeroDivisionError("division by zero"))
    assert run(["--debug", "_probe"]) == 1
    assert "Traceback" in capsys.readouterr().err


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_library_imports_neither_typer_nor_rich() -> None:
    code = (
        "import importlib, pkgutil, sys, kraken_cli\n"
        "skip = ('kraken_cli.cli', 'kraken_cli.output', 'kraken_cli.__main__')\n"
        "for m in pkgutil.walk_packages(kraken_cli.__path__, 'kraken_cli.'):\n"
        "    if not m.name.startswith(skip):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('typer', 'rich'))\n"
        "print(bad)\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("krx ")


def test_root_builds_only_the_command_used() -> None:
    from kraken_cli.cli.app import _global_options
    from kraken_cli.cli.lazy import build_root

    root = build_root(app_module.app, _global_options)
    assert root.commands == {}  # nothing built for --help
    assert {"ticker", "account", "stream", "config"} <= set(root.list_commands(None))  # type: ignore[arg-type]
    ticker = root.get_command(None, "ticker")  # type: ignore[arg-type]
    assert ticker is not None and list(root.commands) == ["ticker"]


def test_the_command_index_names_each_command_s_module() -> None:
    import importlib

    import typer
    import typer.main

    registered = {}
    for module in app_module.COMMAND_MODULES:
        app = typer.Typer()
        importlib.import_module(f"kraken_cli.cli.{module}").register(app)
        names = [
            c.name or typer.main.get_command_name(c.callback.__name__)  # type: ignore[union-attr]
            for c in app.registered_commands
        ]
        names += [str(typer.main.solve_typer_info_defaults(g).name) for g in app.registered_groups]
        for name in names:
            assert name not in registered, f"{name} is registered twice"
            registered[name] = module
    assert registered == app_module.COMMAND_INDEX


@pytest.mark.parametrize(
    ("args", "module"),
    [
        (["ticker", "BTCUSD"], "market_cmd"),
        (["--format", "json", "--sandbox", "--debug", "config", "show"], "config_cmd"),
        (["--format=csv", "--columns", "symbol", "orderbook", "BTCUSD"], "market_cmd"),
        (["--format", "json"], None),  # no command: the root's help
        (["--help"], None),
        (["--install-completion"], None),
        (["tickr", "BTCUSD"], None),  # a typo: "did you mean" needs every command
    ],
)
def test_one_command_needs_its_module_only(args: list[str], module: str | None) -> None:
    assert app_module.command_module(args) == module


def test_shell_completion_lists_commands() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "_KRX_COMPLETE": "complete_bash",
        "COMP_WORDS": "krx tic",
        "COMP_CWORD": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from kraken_cli.cli.app import main; main()"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "ticker" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["history", "import", "x" * 300], 2),  # a path no file system takes: usage
        (["archive", "\0", "BTCUSD"], 2),  # no shell can pass a NUL: usage, before any command
    ],
)
def test_impossible_paths_are_usage_errors_not_internal_ones(
    args: list[str], code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == code
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
