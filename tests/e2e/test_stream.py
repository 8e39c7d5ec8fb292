"""`krx stream` as a process against the sandbox, with faults: drops, corrupt checksums, stalls."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from kraken_cli.protocol.checksum import book_checksum
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e


#: The sandbox is local: no need to pace public REST calls (backfill) at Kraken's 1/s.
CONFIG: dict[str, Any] = {
    "provider": {"connectors": [], "subscriptions": []},
    "krx": {"publicCallsPerSecond": 50},
}


def _env(handle: Any, tmp_path: Path, config: dict[str, Any] | None = None) -> dict[str, str]:
    config_file = tmp_path / "config.provider.json"
    config_file.write_text(json.dumps(config or CONFIG))
    return krx_env(
        tmp_path,
        sandbox=handle,
        KRX_CONFIG=str(config_file),
        KRX_REST_URL=handle.rest_url,
        KRX_WS_URL=handle.ws_url,
        KRX_WS_AUTH_URL=handle.ws_auth_url,
    )


def stream(
    handle: Any,
    tmp_path: Path,
    *args: str,
    timeout: float = 60,
    config: dict[str, Any] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `krx stream ARGS` against ``handle`` (a sandbox) and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", "stream", *args],
        capture_output=True,
        text=True,
        env=_env(handle, tmp_path, config),
        cwd=tmp_path,
        timeout=timeout,
    )


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in text.splitlines() if x.strip()]


def tape(handle: Any, pair: str = "XXBTZUSD") -> dict[int, dict[str, Any]]:
    resp = httpx.get(f"{handle.rest_url}/sandbox/tape", params={"pair": pair}, timeout=30)
    resp.raise_for_status()
    return {row["trade_id"]: row for row in lines(resp.text)}


def test_drops_every_200_messages_5000_trades_match_the_tape(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    # The sandbox batches the trades of a tick into one message (~15 here): dropping every 20
    # messages gives a drop every ~300 trades, ~15 drops over 5,000 trades in a few seconds.
    sb = sandbox_factory(drop_every=20, live_rate=1000, book_rate=1000)
    n = 5000
    # How many trades share a message varies with the machine's load: with ~1 per message the
    # drops exceed the default budget of 100 connects per 10 minutes, past which krx (rightly)
    # waits. The sandbox is local, so allow more.
    res = stream(
        sb,
        tmp_path,
        "trades",
        "BTCUSD",
        "--count",
        str(n),
        "--events",
        "--connect-budget",
        "2000",
        timeout=90,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    out = lines(res.stdout)
    trades = [x for x in out if x.get("channel") == "trade" and "event" not in x]
    events = [x for x in out if "event" in x]
    assert len(trades) == n
    ids = [t["trade_id"] for t in trades]
    assert ids == list(range(ids[0], ids[0] + n)), "gap or duplicate"
    assert sum(e["event"] == "reconnect" for e in events) >= 5
    truth = tape(sb)
    for t in trades:
        row = truth[t["trade_id"]]
        assert Decimal(t["price"]) == Decimal(row["price"])
        assert Decimal(t["volume"]) == Decimal(row["volume"])
        assert t["side"] == row["side"] or t["side"][0] == row["side"][0]


def test_corrupt_checksum_resyncs_that_symbol_only(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory(corrupt_checksum_every=15, book_rate=50)
    res = stream(sb, tmp_path, "book", "BTCUSD", "ETHUSD", "--count", "120", "--events")
    assert res.returncode == 0, res.stderr[-2000:]
    out = lines(res.stdout)
    resyncs = [x for x in out if x.get("event") == "resync"]
    books = [x for x in out if x.get("channel") == "book" and "event" not in x]
    assert resyncs and {e["symbol"] for e in resyncs} == {"BTC/USD"}
    assert {b["symbol"] for b in books} == {"BTC/USD", "ETH/USD"}
    for b in books:  # every book written verifies against its own checksum
        assert (
            book_checksum([tuple(x) for x in b["asks"]], [tuple(x) for x in b["bids"]])
            == b["checksum"]
        )


def test_stalled_connection_is_detected_by_the_watchdog(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    # few messages per connection: even a loaded sandbox batching its backlog stalls first
    sb = sandbox_factory(stall_after=3, live_rate=50, book_rate=0)
    res = stream(sb, tmp_path, "trades", "BTCUSD", "--count", "120", "--watchdog", "1", timeout=60)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "watchdog" in res.stderr
    ids = [t["trade_id"] for t in lines(res.stdout)]
    assert ids == list(range(ids[0], ids[0] + 120))


def test_head_exits_zero_and_ctrl_c_exits_130(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory(live_rate=100)
    env = _env(sb, tmp_path)
    cmd = [sys.executable, "-m", "kraken_cli", "stream", "trades", "BTCUSD"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())["channel"] == "trade"
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err


def test_unknown_symbol_exits_2(sandbox_factory: Callable[..., Any], tmp_path: Path) -> None:
    sb = sandbox_factory()
    res = stream(sb, tmp_path, "trades", "NOPEUSD", "--count", "1")
    assert res.returncode == 2
    assert "NOPEUSD" in res.stderr


def test_no_channel_runs_the_configs_active_subscriptions(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory(live_rate=200, book_rate=20)
    subs = [
        {"type": "PROVIDER_MARKETDATA_TRADE", "symbols": ["BTCUSD"], "active": True},
        {"type": "PROVIDER_MARKETDATA_ORDERBOOK", "symbols": ["ETHUSD"], "active": True},
        {"type": "PROVIDER_MARKETDATA_CANDLE", "symbols": ["BTCUSD"], "intervals": ["min1"]},
        {"type": "PROVIDER_MARKETDATA_TRADE", "symbols": ["ETHUSD"], "active": False},
    ]
    config = {**CONFIG, "provider": {"connectors": [], "subscriptions": subs}}
    res = stream(sb, tmp_path, "--duration", "2", config=config)
    assert res.returncode == 0, res.stderr[-2000:]
    seen = {(x["channel"], x["symbol"]) for x in lines(res.stdout)}
    assert seen == {("trade", "BTC/USD"), ("book", "ETH/USD"), ("ohlc", "BTC/USD")}


def test_format_csv_and_refusals_against_the_sandbox(sandbox: Any, tmp_path: Path) -> None:
    res = stream(sandbox, tmp_path, "trades", "BTCUSD", "--count", "5", "--format", "csv")
    assert res.returncode == 0, res.stderr[-2000:]
    header, *rows = res.stdout.splitlines()
    assert header == "channel,symbol,trade_id,time,price,volume,side,ord_type"
    ids = [int(row.split(",")[2]) for row in rows]
    assert ids == list(range(ids[0], ids[0] + 5))
    res = stream(sandbox, tmp_path, "book", "BTCUSD", "--count", "1", "--format", "table")
    assert res.returncode == 2 and "hint: " in res.stderr and res.stdout == ""


@pytest.mark.parametrize("target", ["closed", "full"])
def test_closed_or_full_stdout_is_a_clear_error(sandbox: Any, tmp_path: Path, target: str) -> None:
    if target == "full" and not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    cmd = [sys.executable, "-m", "kraken_cli", "stream", "trades", "BTCUSD", "--count", "3"]
    with open("/dev/full" if target == "full" else os.devnull, "w") as sink:
        res = subprocess.run(
            cmd,
            stdout=sink,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(sandbox, tmp_path),
            cwd=tmp_path,
            timeout=60,
            preexec_fn=(lambda: os.close(1)) if target == "closed" else None,
        )
    assert res.returncode == 2, res.stderr
    assert "krx: error: cannot write to standard output" in res.stderr
    assert "Traceback" not in res.stderr


def test_stream_trades_read_as_krx_trades_shows_them(krx: Callable[..., Any]) -> None:
    """#15: the same trade has the same price and volume text in `stream trades` and `trades`."""
    streamed = krx("stream", "trades", "BTC/USD", "--duration", "4", timeout=60)
    assert streamed.returncode == 0, streamed.stderr
    live = {r["trade_id"]: r for r in map(json.loads, streamed.stdout.splitlines())}
    listed = krx("trades", "BTC/USD", "--limit", "1000", "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    rest = {r["trade_id"]: r for r in map(json.loads, listed.stdout.splitlines())}
    both = sorted(set(live) & set(rest))
    assert both, "no trade in both"
    for tid in both:
        assert (live[tid]["price"], live[tid]["volume"]) == (
            rest[tid]["price"],
            rest[tid]["volume"],
        )
    assert all(len(rest[tid]["price"].split(".")[1]) == 5 for tid in both)


@pytest.mark.parametrize(
    ("variable", "args"),
    [
        ("KRX_WS_URL", ["BTC/USD"]),
        ("KRX_FUTURES_WS_URL", ["PF_XBTUSD", "--market", "futures"]),
    ],
)
def test_an_unreachable_websocket_exits_6_even_with_duration(
    sandbox: Any, tmp_path: Path, variable: str, args: list[str]
) -> None:
    """#18: --duration never turns "could not connect" into an empty success."""
    import socket

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        dead = f"ws://127.0.0.1:{probe.getsockname()[1]}/v2"
    env = krx_env(tmp_path, sandbox=sandbox, **{variable: dead})
    done = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "stream", "trades", *args,
         "--duration", "3"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 6, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
