"""Did-you-mean for commands, `-f` for `--format`, and shell completion of symbols/intervals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kraken_cli.cli.app import hoist_global_options, run
from kraken_cli.cli.complete import complete_interval, complete_symbol
from kraken_cli.services.market.symbols import cache_path
from tests.support.env import REPO_ROOT, krx_env

SAMPLES = REPO_ROOT / "tests" / "fixtures" / "samples"


def test_a_mistyped_command_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--format", "table", "candels"]) == 2
    err = capsys.readouterr().err
    assert "No such command 'candels'. Did you mean 'candles'" in err
    assert "Traceback" not in err
    assert run(["--format", "table", "xyzzy"]) == 2
    assert "Did you mean" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status", "-f", "json"], ["-f", "json", "status"]),
        (["status", "-fcsv"], ["--format=csv", "status"]),
        (["status", "-f=jsonl"], ["--format=jsonl", "status"]),
    ],
)
def test_f_is_short_for_format(args: list[str], expected: list[str]) -> None:
    assert hoist_global_options(args) == expected


def test_f_reaches_the_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "path", "-f", "json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)


def _write_pair_cache(cache_dir: Path) -> None:
    body = {
        "version": 1,
        "rest_url": "https://api.kraken.com",
        "fetched_at": 0,  # stale: completion still uses it (no network at completion time)
        "asset_pairs": json.loads((SAMPLES / "rest-public-AssetPairs.json").read_text())["result"],
        "assets": json.loads((SAMPLES / "rest-public-Assets.json").read_text())["result"],
    }
    path = cache_path(cache_dir, "https://api.kraken.com")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))


def test_symbols_complete_from_the_cache_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert complete_symbol("BT") == []  # no cache: nothing, and no network
    _write_pair_cache(tmp_path / "cache" / "krx")
    assert complete_symbol("btcu") == ["BTCUSD"]  # the compact form users type
    assert complete_symbol("") == ["ACAEUR", "BTCUSD", "DOGEUSD", "ETHBTC", "SOLUSD"]
    assert complete_symbol("BTC/") == ["BTC/USD"]  # canonical BTC, not XBT
    assert complete_interval("h") == ["h1", "h2", "h4"]
    assert complete_interval("")[:2] == ["min1", "min5"]


def test_bash_completion_end_to_end(tmp_path: Path) -> None:
    _write_pair_cache(tmp_path / "cache" / "krx")
    env = krx_env(tmp_path, _KRX_COMPLETE="complete_bash", COMP_CWORD="2")

    def complete(words: str, cword: int) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "kraken_cli"],
            env={**env, "COMP_WORDS": words, "COMP_CWORD": str(cword)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr
        return result.stdout.split()

    assert "BTCUSD" in complete("krx candles BTCU", 2)
    assert complete("krx candles BTCUSD h", 3) == ["h1", "h2", "h4"]
    assert "candles" in complete("krx cand", 1)
    assert os.environ.get("_KRX_COMPLETE") is None
