"""Margin records carry canonical names: ``XXBTZUSD`` -> ``BTC/USD``, ``ZUSD`` -> ``USD``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kraken_cli.models.account import Names
from kraken_cli.services.account import margin
from tests.futures.helpers import records

SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples"
PAIRS = {"XXBTZUSD": "BTC/USD", "XBTUSD": "BTC/USD", "ADAUSDT": "ADA/USDT"}
NAMES = Names(asset_lookup={"ZUSD": "USD"}.get, pair_lookup=PAIRS.get)


class Fake:
    def __init__(self, result: Any) -> None:
        self.result = result

    def call(self, method: str, data: dict[str, str], *, idempotent: bool) -> Any:
        return self.result


def _result(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())["result"]


def test_positions_resolve_the_pair_key() -> None:
    rows = records(margin.positions(Fake(_result("rest-private-OpenPositions.json")), names=NAMES))
    assert rows and {r["symbol"] for r in rows} <= {"BTC/USD", *PAIRS.values()}
    assert all("/" in r["symbol"] for r in rows)


def test_consolidated_positions_resolve_too() -> None:
    raw = _result("rest-private-OpenPositions-consolidation-market.json")
    (row,) = records(margin.positions(Fake(raw), consolidate=True, names=NAMES))
    assert row["symbol"] == "ADA/USDT"


def test_unknown_pair_stays_raw_and_trade_balance_asset_is_canonical() -> None:
    (row,) = records(margin.positions(Fake({"P1": {"pair": "NEWPAIR", "time": 1}}), names=NAMES))
    assert row["symbol"] == "NEWPAIR"
    assert margin.trade_balance(Fake({}), "ZUSD", NAMES).asset == "USD"
