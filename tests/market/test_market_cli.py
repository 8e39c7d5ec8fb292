"""Every market command against vcrpy cassettes, and as a subprocess against KRX_REST_URL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kraken_cli.cli.app import run
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from tests.support.cassettes import CASSETTES, SCENARIOS, make_vcr
from tests.support.env import krx_env


def cassette_body(name: str, method: str) -> Any:
    """Return the recorded JSON result of the first ``method`` call in cassette ``name``."""
    data = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text())
    for item in data["interactions"]:
        if item["request"]["uri"].split("?")[0].endswith("/" + method):
            return json.loads(item["response"]["body"]["string"])["result"]
    raise AssertionError(f"{method} not in {name}")


def play(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with make_vcr("none").use_cassette(str(CASSETTES / f"{name}.yaml")):
        code = run(SCENARIOS[name])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_pacing(isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "kraken_cli.services.market.spot.PublicPacer", lambda rate, **_: PublicPacer(0)
    )


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_status_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("status", capsys)
    assert code == 0
    (rec,) = lines(out)
    assert rec["status"] == cassette_body("status", "SystemStatus")["status"]
    assert rec["probes"] == 3
    assert set(rec) >= {"server_time", "local_time", "skew_s", "uncertainty_s", "rtt_ms"}


def test_symbols_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("symbols", capsys)
    assert code == 0
    recs = lines(out)
    assert recs and all(r["quote"] == "USD" and r["symbol"].endswith("/USD") for r in recs)
    btc = next(r for r in recs if r["symbol"] == "BTC/USD")
    raw = cassette_body("symbols", "AssetPairs")["XXBTZUSD"]
    assert (btc["key"], btc["altname"], btc["tick_size"]) == (
        "XXBTZUSD",
        "XBTUSD",
        raw["tick_size"],
    )
    assert btc["ordermin"] == raw["ordermin"]


def test_assets_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("assets", capsys)
    assert code == 0
    by_id = {r["id"]: r for r in lines(out)}
    assert by_id["XXBT"]["asset"] == "BTC" and by_id["XXDG"]["asset"] == "DOGE"


def test_ticker_cassette_digit_exact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("ticker", capsys)
    assert code == 0
    recs = lines(out)
    assert [r["symbol"] for r in recs] == ["BTC/USDT", "BTC/USD"]
    raw = cassette_body("ticker", "Ticker")
    usdt = raw["XBTUSDT"]
    assert recs[0]["bid"] == usdt["b"][0] and recs[0]["ask"] == usdt["a"][0]
    assert recs[0]["last"] == usdt["c"][0] and recs[0]["volume_24h"] == usdt["v"][1]
    assert recs[0]["vwap_24h"] == usdt["p"][1]
    assert (recs[0]["low_24h"], recs[0]["high_24h"]) == (usdt["l"][1], usdt["h"][1])
    assert list(recs[0])[:8] == [
        "symbol",
        "bid",
        "ask",
        "last",
        "volume_24h",
        "vwap_24h",
        "low_24h",
        "high_24h",
    ]


def test_orderbook_json_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("orderbook", capsys)
    assert code == 0
    obj = json.loads(out)
    assert set(obj) == {"symbol", "bids", "asks", "checksum"}
    raw = next(iter(cassette_body("orderbook", "Depth").values()))
    assert obj["bids"] == [[p, v] for p, v, _ in raw["bids"][:5]]
    assert obj["asks"] == [[p, v] for p, v, _ in raw["asks"][:5]]
    assert isinstance(obj["checksum"], int)


def test_trades_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("trades", capsys)
    assert code == 0
    recs = lines(out)
    raw = [r for k, v in cassette_body("trades", "Trades").items() if k != "last" for r in v]
    assert len(recs) == min(3, len(raw))
    assert [r["trade_id"] for r in recs] == [row[6] for row in raw[-len(recs) :]]
    assert [r["price"] for r in recs] == [row[0] for row in raw[-len(recs) :]]
    assert list(recs[0]) == ["symbol", "trade_id", "time", "price", "volume", "side", "ord_type"]
    assert all(r["time"].endswith("Z") for r in recs)


def test_candles_cassette_drops_forming(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = play("candles", capsys)
    assert code == 0
    recs = lines(out)
    res = cassette_body("candles", "OHLC")
    rows = next(v for k, v in res.items() if k != "last")
    committed = [r for r in rows if r[0] <= int(res["last"])]
    assert len(recs) == len(committed)
    assert [r["close"] for r in recs] == [row[4] for row in committed]
    assert list(recs[0]) == [
        "symbol",
        "time",
        "open",
        "high",
        "low",
        "close",
        "vwap",
        "volume",
        "count",
    ]


def test_unknown_symbol_cassette_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = play("unknown_symbol", capsys)
    assert code == 2 and out == ""
    assert "unknown symbol 'BTCUSDX'" in err and "did you mean" in err and "BTC/USD" in err


# --- subprocess against a local server (KRX_REST_URL) ------------------------------------------


def krx(base_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--format", "jsonl", *args],
        capture_output=True,
        text=True,
        env=krx_env(home, KRX_REST_URL=base_url),
        timeout=60,
        cwd=home,
    )


def test_commands_follow_krx_rest_url(sample_server: str, tmp_path: Path) -> None:
    tick = krx(sample_server, tmp_path, "ticker", "btc-usdt", "XXBTZUSD")
    assert tick.returncode == 0, tick.stderr
    assert [json.loads(x)["bid"] for x in tick.stdout.splitlines()] == [
        "73380.60000",
        "30300.00000",
    ]
    # The symbol cache is per server URL: a second command reuses it.
    assert len(list((tmp_path / "cache").rglob("pairs-*.json"))) == 1
    book = krx(sample_server, tmp_path, "orderbook", "XBT/USD", "--depth", "2", "--format", "csv")
    assert book.returncode == 0, book.stderr
    assert book.stdout.splitlines()[:2] == [
        "symbol,side,price,volume",
        "BTC/USD,bid,30297.00000,1.115",
    ]
    candles = krx(sample_server, tmp_path, "candles", "BTCUSD", "60", "--partial")
    assert candles.returncode == 0, candles.stderr
    assert len(candles.stdout.splitlines()) == 4
    bad = krx(sample_server, tmp_path, "candles", "BTCUSD", "h3")
    assert bad.returncode == 2 and "unknown interval" in bad.stderr


def test_unreachable_server_is_exit_6(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KRX_REST_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(
        "kraken_cli.services.market.spot.RetryPolicy",
        lambda max_attempts: RetryPolicy(max_attempts=2, base_delay=0.001),
    )
    assert run(["--debug", "ticker", "BTCUSD"]) == 6
    err = capsys.readouterr().err
    assert "cannot connect" in err and "hint:" in err
    assert "krx: debug: GET http://127.0.0.1:9/0/public/AssetPairs -> connect error" in err
    assert "retry 1 of AssetPairs" in err
