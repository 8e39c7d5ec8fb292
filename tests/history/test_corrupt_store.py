"""A corrupt trade store: `cache info`, `candles` exit 3 with a hint; `cache clear` works."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kraken_cli.cli.app import run
from kraken_cli.config.settings import cache_dir
from kraken_cli.errors import ConfigError
from kraken_cli.services.history.candles import store_path
from kraken_cli.services.history.store import TradeStore


@pytest.fixture
def store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for kind in ("CACHE", "CONFIG", "STATE"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / kind.lower()))
    monkeypatch.setenv("KRX_REST_URL", "http://127.0.0.1:9")
    one_try = lambda attempt, *_a, **_k: attempt(1)  # noqa: E731
    monkeypatch.setattr("kraken_cli.client.http.run_with_retry", one_try)
    path = store_path(cache_dir())
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 100)


def _wrong_schema(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE trades (x INTEGER)")
    db.commit()
    db.close()


def _truncated(path: Path) -> None:
    with TradeStore(path) as store:
        store.add_page("XXBTZUSD", [], 0, 1)
    data = path.read_bytes()
    path.write_bytes(data[:150] + b"\x00" * 50 + data[200:1500])


@pytest.mark.parametrize("damage", [_garbage, _wrong_schema, _truncated])
def test_open_reports_a_config_error_with_a_hint(store_file: Path, damage: object) -> None:
    damage(store_file)  # type: ignore[operator]
    try:
        TradeStore(store_file).close()
    except ConfigError as exc:
        assert "cache clear" in (exc.hint or "")
    else:  # SQLite may still read a lightly damaged file; then it must work normally
        pass


@pytest.mark.parametrize("damage", [_garbage, _wrong_schema])
def test_cache_commands_on_a_corrupt_store(
    store_file: Path, capsys: pytest.CaptureFixture[str], damage: object
) -> None:
    damage(store_file)  # type: ignore[operator]
    assert run(["cache", "info"]) == 3
    err = capsys.readouterr().err
    assert "krx: error: the trade store" in err and "krx cache clear" in err
    code = run(["candles", "BTCUSD", "h1", "--days", "60"])
    assert code in (3, 6)  # 6 here: the symbol lookup needs the (closed) network first
    capsys.readouterr()
    assert run(["cache", "clear", "BTCUSD"]) == 0
    assert "deleting the whole store" in capsys.readouterr().err
    assert run(["cache", "info", "--format", "json"]) == 0
    assert run(["cache", "clear"]) == 0
