"""`krx config validate | show | init | path`, in process and as a real process."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kraken_cli.config import settings as s
from tests.config.config_helpers import EXAMPLE, KEYS, example, write_json
from tests.support.env import krx_env

run = pytest.importorskip("kraken_cli.cli.app").run


def krx(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=krx_env(**env),
        timeout=60,
    )


def test_validate_ok(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_json(isolated / "config.provider.json", example())
    os.environ.update(KEYS)
    try:
        assert run(["--format", "table", "config", "validate"]) == 0
        assert capsys.readouterr().out == f"OK {isolated / 'config.provider.json'}\n"
        assert run(["--format", "json", "config", "validate", "--no-cache"]) == 0
        record = json.loads(capsys.readouterr().out)
        assert record["ok"] is True and record["spot_credentials"] is True
    finally:
        for key in KEYS:
            os.environ.pop(key, None)


def test_validate_without_a_file_is_exit_3(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["config", "validate"]) == 3
    err = capsys.readouterr().err
    assert "krx: error: no config file found" in err and "krx config init" in err


def test_show_redacts_and_expands(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = example()
    doc["provider"]["apiToken"] = "provider-token-very-secret"
    doc["provider"]["key"] = "my-provider"
    doc["provider"]["connectors"][0]["secret"] = "${SECRET}"
    path = write_json(isolated / "c.json", doc)
    os.environ.update({"KRAKEN_API_KEY": "AAAAkeyvalue", "SECRET": "super-secret-value"})
    try:
        assert run(["--format", "json", "--config", str(path), "config", "show"]) == 0
    finally:
        for key in ("KRAKEN_API_KEY", "SECRET"):
            os.environ.pop(key, None)
    out = capsys.readouterr().out
    assert "super-secret-value" not in out and "provider-token-very-secret" not in out
    assert "keyvalue" not in out
    shown = json.loads(out)
    connector = shown["config"]["provider"]["connectors"][0]
    assert connector["key"] == "AAAA***" and connector["secret"] == "supe***"
    assert shown["config"]["provider"]["key"] == "my-provider"
    assert shown["effective"]["spot_key"] == "AAAA***"
    assert shown["effective"]["krx"]["tier"] == "starter"


def test_show_table_is_yaml(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--format", "table", "config", "show"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("source: null\nconfig: null\neffective:\n")


def test_init_writes_0600_and_refuses_to_overwrite(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = s.config_dir() / "config.provider.json"
    assert run(["--format", "table", "config", "init"]) == 0
    assert capsys.readouterr().out == f"{target}\n"
    assert target.read_bytes() == EXAMPLE.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_text("{}")
    assert run(["config", "init"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert target.read_text() == "{}"
    target.chmod(0o644)
    assert run(["config", "init", "--force"]) == 0
    assert target.read_bytes() == EXAMPLE.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_init_to_stdout_and_elsewhere(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "init", "--output", "-"]) == 0
    assert capsys.readouterr().out == EXAMPLE.read_text()
    assert run(["config", "init", "-o", "here.json"]) == 0
    assert (isolated / "here.json").read_bytes() == EXAMPLE.read_bytes()


def test_path_lists_the_search_order(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_json(isolated / "config.provider.json", example())
    assert run(["--format", "jsonl", "config", "path"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["path"] == str(isolated / "config" / "config.provider.json")
    used = [row["path"] for row in rows if row["used"]]
    assert used == [str(isolated / "config.provider.json")]
    assert rows[-1]["path"].startswith(str(s.config_dir()))
    assert run(["--format", "jsonl", "--config", "x.json", "config", "path"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == {
        "order": 1, "path": "x.json", "via": "--config / KRX_CONFIG", "exists": False, "used": True
    }  # fmt: skip
    assert all("skipped" in row["via"] for row in rows[1:])


BAD_FILES = {
    "empty.json": b"",
    "list.json": b"[]",
    "syntax.json": b'{"provider": {"connectors": [}',
    "binary.json": b"\x00\xff\xfe",
    "enum.json": json.dumps(
        {
            "provider": {
                "connectors": [{"connectorType": "kraken", "markets": [{"marketType": "x"}]}]
            }
        }
    ).encode(),
    "undefined.json": json.dumps(
        {"provider": {"connectors": [{"connectorType": "kraken", "key": "${NOPE}", "secret": "s"}]}}
    ).encode(),
    "bad.yaml": b"provider: [unclosed\n",
    "missing.json": None,
    "dir.json": "dir",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_cli_bad_config_exits_3_without_traceback(isolated: Path, name: str) -> None:
    content = BAD_FILES[name]
    path = isolated / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = krx("--config", str(path), "config", "validate", cwd=isolated)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("krx: error: ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_cli_any_command_reports_bad_config(isolated: Path) -> None:
    (isolated / "config.provider.json").write_text('{"provider": {"connectors": 5}}')
    result = krx("--format", "json", "config", "show", cwd=isolated)
    assert result.returncode == 3
    assert "provider.connectors: expected array, got integer 5" in result.stderr
    assert '{"error": {"type": "config"' in result.stderr


def test_cli_permission_warning(isolated: Path) -> None:
    doc = example()
    doc["provider"]["connectors"][0].update(key="literal-key", secret="literal-secret")
    write_json(isolated / "config.provider.json", doc, mode=0o644)
    result = krx("config", "validate", cwd=isolated)
    assert result.returncode == 0
    assert "krx: warning: " in result.stderr and "chmod 600" in result.stderr


_PROBE = (
    "import sys\n"
    "from kraken_cli.config.loader import load_settings\n"
    "load_settings(None)\n"
    "print('jsonschema' in sys.modules)\n"
)


def test_validation_cache_skips_jsonschema(isolated: Path, tmp_path: Path) -> None:
    path = write_json(isolated / "config.provider.json", example())

    def probe(**env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            cwd=isolated,
            env=krx_env(**env),
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert probe(**KEYS) == "True"  # first run validates
    assert probe(**KEYS) == "False"  # unchanged: cache hit
    assert probe(KRAKEN_API_KEY="other", KRAKEN_API_SECRET="x") == "True"  # expansion changed
    assert probe(KRAKEN_API_KEY="other", KRAKEN_API_SECRET="x") == "False"
    doc = example()
    doc["provider"]["subscriptions"].pop()
    write_json(path, doc)
    assert probe(**KEYS) == "True"  # content changed
    cache = s.state_dir() / "validated.json"
    cache.write_text("{not json")
    assert probe(**KEYS) == "True"  # a broken cache is ignored, then rewritten
    assert probe(**KEYS) == "False"


def test_validation_cache_in_process(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kraken_cli.config import loader, validate

    calls: list[int] = []
    real_check = validate.check

    def counting_check(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real_check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "check", counting_check)  # the loader imports it per call
    path = write_json(isolated / "c.json", example())
    loader.load_settings(path, env=KEYS)
    loader.load_settings(path, env=KEYS)
    assert len(calls) == 1
    loader.load_settings(path, env=KEYS, use_cache=False)
    assert len(calls) == 2
    os.utime(path, ns=(1, 1))  # same bytes, new mtime: validate again
    loader.load_settings(path, env=KEYS)
    assert len(calls) == 3
