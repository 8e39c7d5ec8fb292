"""Contract: the JSON keys (and their order) of every command's records, pinned by a golden file.

Scripts read these keys; a refactor must never change them. Each case runs the real ``krx``
process against a private sandbox that holds open orders, fills and positions (so account views
have rows). The golden file is ``golden/record_keys.json``; after an intended change of a record,
regenerate it with ``KRX_UPDATE_GOLDEN=1 pytest tests/e2e/test_record_contract.py`` and review
the diff.

Besides the keys, every value is checked for exactness: no JSON float anywhere (prices, volumes
and costs are decimal strings), except the few measured quantities in ``FLOAT_KEYS``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle, start_sandbox
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).with_name("golden") / "record_keys.json"
UPDATE = os.environ.get("KRX_UPDATE_GOLDEN") == "1"
#: Measurements (not prices or volumes) that are honestly floats.
FLOAT_KEYS = {"skew_s", "uncertainty_s", "rtt_ms"}

SPOT = "BTCUSD"
FUT = "PF_XBTUSD"
F = ("--market", "futures")

#: name -> krx arguments (run with --format jsonl unless the arguments say otherwise).
CASES: dict[str, tuple[str, ...]] = {
    # market data, spot
    "status": ("status",),
    "symbols": ("symbols", "--quote", "USD"),
    "symbols-margin": ("symbols", "--market", "margin", "--quote", "USD"),
    "assets": ("assets",),
    "ticker": ("ticker", SPOT, "ETHUSD"),
    "orderbook-levels": ("orderbook", SPOT, "--depth", "3"),
    "orderbook-json": ("orderbook", SPOT, "--depth", "3", "--format", "json"),
    "trades-latest": ("trades", SPOT, "--limit", "5"),
    "trades-since": ("trades", SPOT, "--since", "2h", "--limit", "5"),
    "candles-ohlc": ("candles", SPOT, "h1", "--days", "1"),
    "candles-history": ("candles", SPOT, "h2", "--days", "1"),
    "candles-fill": ("candles", SPOT, "min1", "--since", "30m", "--fill"),
    "cache-info": ("cache", "info"),
    # market data, futures
    "symbols-futures": ("symbols", *F, "--quote", "USD"),
    "ticker-futures": ("ticker", FUT, *F),
    "orderbook-levels-futures": ("orderbook", FUT, "--depth", "3", *F),
    "orderbook-json-futures": ("orderbook", FUT, "--depth", "3", "--format", "json", *F),
    "trades-futures": ("trades", FUT, "--limit", "5", *F),
    "candles-futures": ("candles", FUT, "h1", "--days", "1", *F),
    # account, spot and margin
    "balance": ("account", "balance"),
    "balance-in-usd": ("account", "balance", "--in", "USD"),
    "account-fees": ("account", "fees", SPOT),
    "trade-balance": ("account", "trade-balance"),
    "orders": ("account", "orders"),
    "closed-orders": ("account", "closed-orders"),
    "account-trades": ("account", "trades"),
    "ledger": ("account", "ledger"),
    "positions": ("account", "positions"),
    # account, futures
    "balance-futures": ("account", "balance", *F),
    "trade-balance-futures": ("account", "trade-balance", *F),
    "orders-futures": ("account", "orders", *F),
    "account-trades-futures": ("account", "trades", *F),
    "positions-futures": ("account", "positions", *F),
    "futures-fills": ("futures", "fills"),
    "futures-margin": ("futures", "margin"),
    "futures-positions": ("futures", "positions"),
    # orders (validate only: nothing placed by these cases)
    "order-validate": (
        "order",
        "add",
        SPOT,
        "buy",
        "0.01",
        "--type",
        "limit",
        "--price",
        "1000",
        "--validate",
    ),
    "order-validate-futures": (
        "order",
        "add",
        FUT,
        "buy",
        "1",
        "--type",
        "limit",
        "--price",
        "1000",
        "--validate",
        *F,
    ),
    # verify
    "verify": ("verify",),
    "verify-futures": ("verify", *F),
    # streams
    "stream-trades": ("stream", "trades", SPOT, "--count", "3"),
    "stream-ticker": ("stream", "ticker", SPOT, "--count", "1"),
    "stream-book": ("stream", "book", SPOT, "--depth", "10", "--count", "2"),
    "stream-candles": ("stream", "candles", SPOT, "--interval", "1", "--count", "1"),
    "stream-trades-futures": ("stream", "trades", FUT, "--count", "2", *F),
    "stream-balances": ("stream", "balances", "--count", "1"),
}

#: Run before the cases, so account views and the cache have rows of every kind.
SETUP: tuple[tuple[str, ...], ...] = (
    ("order", "add", SPOT, "buy", "0.01", "--type", "limit", "--price", "1000", "--yes"),
    ("order", "add", SPOT, "buy", "0.01", "--type", "market", "--yes"),
    ("order", "add", SPOT, "buy", "0.01", "--type", "market", "--leverage", "2", "--yes"),
    ("order", "add", FUT, "buy", "1", "--type", "market", "--yes", *F),
    ("order", "add", FUT, "buy", "1", "--type", "limit", "--price", "1000", "--yes", *F),
    ("candles", SPOT, "h2", "--days", "1"),  # fills the trade store for `cache info`
)


Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def krx_private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """``krx --sandbox`` against a private sandbox holding the SETUP orders."""
    handle: SandboxHandle = start_sandbox(tmp_path_factory.mktemp("contract-sandbox"))
    home = tmp_path_factory.mktemp("contract-home")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        fmt = () if "--format" in args else ("--format", "jsonl")
        return subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", *fmt, *args],
            capture_output=True,
            text=True,
            env=krx_env(home, sandbox=handle),
            cwd=home,
            timeout=90,
        )

    for args in SETUP:
        done = run(*args)
        assert done.returncode == 0, (args, done.stderr)
    try:
        yield run
    finally:
        handle.stop()


def _no_float(value: str) -> Any:
    raise AssertionError(f"JSON float {value} in a record: prices and volumes must be strings")


def _parse(text: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return dict(pairs)

    def floats(value: str) -> Any:
        return ("float", value)

    return json.loads(text, object_pairs_hook=hook, parse_float=floats)


def _check_exact(record: Any, path: str = "") -> None:
    """Fail on a JSON float anywhere except the measured FLOAT_KEYS."""
    if isinstance(record, tuple) and record[:1] == ("float",):
        if path.rsplit(".", 1)[-1] not in FLOAT_KEYS:
            _no_float(f"{path}={record[1]}")
    elif isinstance(record, dict):
        for key, value in record.items():
            _check_exact(value, f"{path}.{key}")
    elif isinstance(record, list):
        for index, value in enumerate(record):
            _check_exact(value, f"{path}[{index}]")


def _shape(stdout: str, as_object: bool) -> dict[str, Any]:
    """Return the keys (in order) of the records, and of nested objects one level down."""
    if as_object:
        docs = [_parse(stdout)]
    else:
        docs = [_parse(line) for line in stdout.splitlines() if line.strip()]
    assert docs, "the case produced no records: give it data so its keys are pinned"
    for doc in docs:
        _check_exact(doc)
    first = docs[0]
    keys = list(first)
    for doc in docs[1:]:
        if "channel" not in first:  # stream lines of one channel share keys; others strictly
            assert list(doc) == keys, f"records of one command differ in keys: {list(doc)}"
    nested = {
        key: list(value[0])
        if isinstance(value, list) and value and isinstance(value[0], dict)
        else list(value)
        if isinstance(value, dict)
        else None
        for key, value in first.items()
    }
    return {"keys": keys, "nested": {k: v for k, v in nested.items() if v is not None}}


def _golden() -> dict[str, Any]:
    if GOLDEN.exists():
        data: dict[str, Any] = json.loads(GOLDEN.read_text())
        return data
    return {}


@pytest.mark.parametrize("name", sorted(CASES))
def test_record_keys_match_golden(name: str, krx_private: Runner) -> None:
    args = CASES[name]
    done = krx_private(*args)
    assert done.returncode == 0, done.stderr
    shape = _shape(done.stdout, as_object="json" in args)
    golden = _golden()
    if UPDATE:
        golden[name] = shape
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
        return
    assert name in golden, f"no golden keys for {name}: run with KRX_UPDATE_GOLDEN=1"
    assert shape == golden[name], f"{name}: record keys changed (scripts read these)"
