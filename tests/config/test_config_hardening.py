"""Hostile config files: non-regular files, size, non-finite numbers, bad Unicode, secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kraken_cli.cli.app import run
from kraken_cli.config import parse
from kraken_cli.config.loader import load_settings
from kraken_cli.config.redaction import redacted_document
from kraken_cli.errors import ConfigError
from tests.config.config_helpers import KEYS, example, write_json

SECRET = "S3cr3tValueThatMustNeverShow"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_dev_zero_is_refused_before_reading(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["--config", "/dev/zero", "config", "validate"], capsys)
    assert code == 3 and out == ""
    assert "not a regular file" in err


def test_a_fifo_is_refused_without_hanging(isolated: Path) -> None:
    fifo = isolated / "config.json"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings(fifo, env={})


def test_size_cap_counts_bytes_read(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_BYTES", 1000)
    path = isolated / "big.json"
    path.write_text(json.dumps({"pad": "x" * 5000}))
    with pytest.raises(ConfigError, match="too large"):
        load_settings(path, env={})


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("c.yaml", "krx:\n  timeoutSeconds: .nan\n"),
        ("c.yaml", "krx:\n  timeoutSeconds: .inf\n"),
        ("c.yaml", "krx:\n  maxClockSkewSeconds: -.inf\n"),
        ("c.json", '{"krx": {"timeoutSeconds": 1e400}}'),
        ("c.json", '{"krx": {"timeoutSeconds": NaN}}'),
        ("c.json", '{"provider": {"studioName": "a\\ud800b"}}'),
        ("c.json", '{"provider": {"\\udfff": 1}}'),
        ("c.yaml", 'provider:\n  studioName: "a\\ud800b"\n'),
    ],
)
def test_non_data_values_are_config_errors(
    isolated: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    path = isolated / name
    path.write_text(text)
    for command in (["config", "validate"], ["config", "show"]):
        code, out, err = _cli(["--format", "json", "--config", str(path), *command], capsys)
        assert code == 3, err
        assert out == "" and "Traceback" not in err


def test_surrogate_from_the_environment_is_refused(isolated: Path) -> None:
    doc = example()
    doc["provider"]["studioName"] = "${NAME}"
    path = write_json(isolated / "c.json", doc)
    with pytest.raises(ConfigError, match="not valid Unicode"):
        load_settings(path, env={**KEYS, "NAME": "caf\udce9"})


@pytest.mark.parametrize(
    "value",
    [[SECRET], {"nested": SECRET}, 12345678901234567890, True, [[SECRET, 1]]],
)
def test_a_secret_of_the_wrong_type_is_never_echoed(isolated: Path, value: Any) -> None:
    doc = example()
    doc["provider"]["connectors"][0]["secret"] = value
    doc["provider"]["connectors"][0]["key"] = {"k": SECRET}
    doc["provider"]["apiToken"] = [SECRET]
    path = write_json(isolated / "c.json", doc)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env=KEYS, use_cache=False)
    assert SECRET not in info.value.message and "12345678901234567890" not in info.value.message


def test_show_redacts_by_field_and_pattern() -> None:
    doc: dict[str, Any] = {
        "provider": {
            "key": "my-provider",
            "restApiUrl": f"https://user:{SECRET}@api.example.com/x?token={SECRET}&limit=5",
            "accounts": [{"name": "main", "apiToken": SECRET}, {"alice": SECRET}],
            "connectors": [
                {"connectorType": "kraken", "key": SECRET, "secret": [SECRET]},
                {"connectorType": "coinbase", "passphrase": SECRET, "apiSecret": {"v": SECRET}},
            ],
            "subscriptions": [
                {"type": "X", "connector": SECRET},
                {"type": "Y", "connector": "kraken"},
                {"type": "Z", "connector": {"token": SECRET}},
            ],
        },
        "krx": {"sessionCookie": SECRET, "note": f"see wss://h/ws?authToken={SECRET}"},
    }
    shown = json.dumps(redacted_document(doc))
    assert SECRET not in shown and SECRET[:6] not in shown.replace(SECRET[:4] + "***", "")
    again = redacted_document(doc)
    assert again["provider"]["key"] == "my-provider"
    assert again["provider"]["subscriptions"][1]["connector"] != SECRET
    assert again["provider"]["restApiUrl"].endswith("?token=***&limit=5")
    assert again["provider"]["accounts"][0]["name"] == "main"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("abc\ndef", "line break"),
        ("abc def", "space"),
        ("abc\x1bdef", "control character"),
        ("abcé", "non-ASCII character"),
        ("abc\udce9", "non-ASCII character"),
    ],
)
def test_key_format_is_checked_at_load_and_never_echoed(
    isolated: Path, capsys: pytest.CaptureFixture[str], key: str, kind: str
) -> None:
    with pytest.raises(ConfigError, match=kind) as info:
        load_settings(None, env={"KRAKEN_API_KEY": key, "KRAKEN_API_SECRET": "c2VjcmV0"})
    assert key not in info.value.message and "abc" not in info.value.message
    doc = example()
    doc["provider"]["connectors"][0]["key"] = "${K}"
    path = write_json(isolated / "c.json", doc)
    os.environ["K"] = key.replace("\udce9", "x\x7f") if "\udce9" in key else key
    try:
        code, out, err = _cli(["--config", str(path), "config", "validate"], capsys)
    finally:
        del os.environ["K"]
    assert code == 3 and out == "" and "abc" not in err


def test_init_force_never_follows_a_symlink(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = isolated / "victim.txt"
    victim.write_text("precious")
    link = isolated / "config.provider.json"
    link.symlink_to(victim)
    code, _out, err = _cli(["config", "init", "--force", "--output", str(link)], capsys)
    assert code == 3 and "symbolic link" in err
    assert victim.read_text() == "precious"
    dangling = isolated / "dangling.json"
    dangling.symlink_to(isolated / "nowhere.json")
    code, _out, _err = _cli(["config", "init", "--output", str(dangling)], capsys)
    assert code in (2, 3) and not (isolated / "nowhere.json").exists()


def test_init_force_replaces_a_regular_file_with_mode_0600(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = isolated / "c.json"
    target.write_text("old")
    target.chmod(0o644)
    code, _out, _err = _cli(["config", "init", "--force", "--output", str(target)], capsys)
    assert code == 0 and json.loads(target.read_text())
    assert target.stat().st_mode & 0o777 == 0o600


def test_dotenv_fifo_is_skipped_and_a_huge_dotenv_refused(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(isolated / ".env")
    assert load_settings(None, env={}).settings.spot is None  # no hang
    (isolated / ".env").unlink()
    monkeypatch.setattr(parse, "MAX_BYTES", 100)
    (isolated / ".env").write_text("A=" + "x" * 500 + "\n")
    with pytest.raises(ConfigError, match="too large"):
        load_settings(None, env={})


@pytest.mark.parametrize("kind", ["fifo", "nested", "garbage"])
def test_an_odd_validation_cache_is_ignored(isolated: Path, kind: str) -> None:
    from kraken_cli.config.loader import validation_cache_file

    cache = validation_cache_file()
    cache.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(cache)
    else:
        cache.write_text("[" * 100_000 if kind == "nested" else "\x00garbage")
    path = write_json(isolated / "c.json", example())
    assert load_settings(path, env=KEYS).settings.spot is not None
