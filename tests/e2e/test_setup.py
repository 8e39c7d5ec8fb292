"""`krx setup` driven through its prompts (injected answers), then verify against the sandbox."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from rich.console import Console

from kraken_cli.cli import setup_cmd
from kraken_cli.cli.app import run
from kraken_cli.config.loader import load_settings
from tests.e2e.conftest import SandboxHandle

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("KRAKEN_", "KRX_")):
            monkeypatch.delenv(name)
    for kind in ("CONFIG", "STATE", "CACHE"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / kind.lower()))
    monkeypatch.setenv("NO_COLOR", "1")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def _answer(monkeypatch: pytest.MonkeyPatch, *answers: str) -> io.StringIO:
    """Feed ``answers`` to setup's prompts; return what it showed (its stderr console)."""
    shown = io.StringIO()
    console = Console(file=shown, width=300, no_color=True)
    stream = io.StringIO("".join(f"{a}\n" for a in answers))
    monkeypatch.setattr(setup_cmd, "terminal_io", lambda: setup_cmd.SetupIO(console, stream))
    return shown


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_pasted_key_writes_config_and_env_then_verifies(
    home: Path,
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KRX_REST_URL", sandbox.rest_url)  # the sandbox stands in for Kraken
    target = home / "conf"
    shown = _answer(monkeypatch, "1", sandbox.api_key, sandbox.api_secret, "n")
    code = run(["--format", "json", "setup", "--dir", str(target)])
    out, err = capsys.readouterr()
    prompts = shown.getvalue()
    assert code == 0, prompts + err
    config, env = target / "config.provider.json", target / ".env"
    assert _mode(config) == 0o600 and _mode(env) == 0o600
    connector = json.loads(config.read_text())["provider"]["connectors"][0]
    assert connector["key"] == "${KRAKEN_API_KEY}" and connector["secret"] == "${KRAKEN_API_SECRET}"
    assert sandbox.api_secret in env.read_text()
    # the secret is never shown: not in the prompts, the verify table or the messages
    assert sandbox.api_secret not in prompts + out + err
    assert "API secret (hidden)" in prompts
    rows = {row["check"]: row["ok"] for row in json.loads(out)}
    assert rows["key accepted"] and rows["Query Funds"] and rows["WebSocket token"]
    assert "Settings > API" in prompts and "✓ Funds: Query" in prompts
    assert load_settings(config).settings.spot is not None  # .env beside the config is read
    env.unlink()  # it holds the secret on purpose; the suite's secret scanner checks files


def test_a_futures_key_too(
    home: Path,
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY, SANDBOX_FUTURES_SECRET

    monkeypatch.setenv("KRX_REST_URL", sandbox.rest_url)
    monkeypatch.setenv("KRX_FUTURES_URL", sandbox.futures_url)
    target = home / "conf"
    answers = ("1", sandbox.api_key, sandbox.api_secret, "y", "1")
    shown = _answer(monkeypatch, *answers, SANDBOX_FUTURES_KEY, SANDBOX_FUTURES_SECRET)
    code = run(["--format", "json", "setup", "--dir", str(target)])
    out, err = capsys.readouterr()
    assert code == 0, shown.getvalue() + err
    assert "Futures API secret (hidden)" in shown.getvalue()
    connector = json.loads((target / "config.provider.json").read_text())["provider"]
    assert connector["connectors"][0]["futuresKey"] == "${KRAKEN_FUTURES_API_KEY}"
    env = (target / ".env").read_text()
    assert "KRAKEN_API_SECRET=" in env and "KRAKEN_FUTURES_API_SECRET=" in env
    checks = [row["check"] for row in json.loads(out)]
    assert "key accepted" in checks and any(c.startswith("futures") for c in checks)
    (target / ".env").unlink()


def test_variable_names_and_an_existing_config(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = home / "conf"
    target.mkdir()
    (target / "config.provider.json").write_text("{}")
    # keep it: nothing written
    _answer(monkeypatch, "n")
    assert run(["setup", "--dir", str(target)]) == 0
    assert (target / "config.provider.json").read_text() == "{}"
    # replace it, naming variables (a bad name is asked again); no .env is written
    shown = _answer(monkeypatch, "y", "2", "MY KEY", "MY_KEY", "$MY_SECRET", "n")
    assert run(["setup", "--dir", str(target), "--no-verify"]) == 0
    connector = json.loads((target / "config.provider.json").read_text())["provider"]
    assert connector["connectors"][0]["key"] == "${MY_KEY}"
    assert connector["connectors"][0]["secret"] == "${MY_SECRET}"
    assert not (target / ".env").exists()
    text = shown.getvalue()
    assert "'MY KEY' is not an environment variable name" in text
    assert "export MY_KEY=... MY_SECRET=..." in text
    capsys.readouterr()


def test_no_symlink_is_followed_and_answers_that_end_stop_cleanly(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = home / "conf"
    target.mkdir()
    victim = home / "victim"
    victim.write_text("keep")
    (target / ".env").symlink_to(victim)
    _answer(monkeypatch, "1", "k" * 20, "c2VjcmV0c2VjcmV0", "n")
    assert run(["setup", "--dir", str(target), "--no-verify"]) == 3
    assert victim.read_text() == "keep"
    assert "symbolic link" in capsys.readouterr().err
    (target / "config.provider.json").unlink()
    _answer(monkeypatch, "1")  # the answers end at the key
    assert run(["setup", "--dir", str(home / "other"), "--no-verify", "--force"]) == 2
    assert "answers ended" in capsys.readouterr().err


def test_setup_without_a_terminal_says_what_to_do_instead(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["setup"]) == 2
    err = capsys.readouterr().err
    assert "needs a terminal" in err and "krx config init" in err


def test_in_a_real_terminal_the_secret_is_not_echoed(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    from tests.support.env import krx_env
    from tests.support.pty_run import PtyProcess

    target = tmp_path / "conf"
    env = krx_env(tmp_path, KRX_REST_URL=sandbox.rest_url)
    run_ = PtyProcess(["setup", "--dir", str(target)], env)
    for prompt, answer in (
        (b"[1/2]", "1"),
        (b"API key:", sandbox.api_key),
        (b"API secret (hidden)", sandbox.api_secret),
        (b"Futures", "n"),
    ):
        assert run_.read_until(prompt, timeout=30), run_.output[-500:]
        if b"hidden" in prompt:
            assert run_.wait_echo_off(timeout=30)
        run_.send(answer + "\n")
    code = run_.finish(timeout=90)
    text = run_.output.decode("utf-8", "replace")
    assert code == 0, text[-3000:]
    assert sandbox.api_key in text  # the key is typed visibly; the secret is not echoed
    assert sandbox.api_secret not in text
    assert "key accepted" in text and "Funds: Query" in text
    (target / ".env").unlink()  # holds the secret on purpose
