"""Spot margin records (OpenPositions both shapes, TradeBalance) and margin error hints."""

from __future__ import annotations

from typing import Any

import pytest

from kraken_cli.errors import OrderError, from_kraken
from kraken_cli.services.account import margin
from tests.futures.helpers import records, sample


class FakePrivate:
    """Stands in for SpotPrivate: answers from samples, records calls."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result, self.error = result, error
        self.calls: list[tuple[str, dict[str, str], bool]] = []

    def call(self, method: str, data: dict[str, str], *, idempotent: bool) -> Any:
        self.calls.append((method, data, idempotent))
        if self.error:
            raise self.error
        return self.result


def test_positions_with_calcs() -> None:
    fake = FakePrivate(sample("rest-private-OpenPositions.json")["result"])
    rows = records(margin.positions(fake))
    assert fake.calls == [("OpenPositions", {"docalcs": "true"}, True)]
    row = next(r for r in rows if r["position_id"] == "TF5GVO-T7ZZ2-6NBKBI")
    assert row["pnl"] == "+154186.9728" and row["symbol"] == "XXBTZUSD"
    assert row["opened"].startswith("2020-11-13T") and row["opened"].endswith("Z")


def test_positions_consolidated_array() -> None:
    fake = FakePrivate(sample("rest-private-OpenPositions-consolidation-market.json")["result"])
    rows = records(margin.positions(fake, consolidate=True))
    assert fake.calls[0][1] == {"docalcs": "true", "consolidation": "market"}
    assert rows == [
        {
            "symbol": "ADAUSDT",
            "side": "sell",
            "positions": "1",
            "leverage": "4.00000000",
            "volume": "10.00000000",
            "volume_closed": "0.00000000",
            "cost": "6.07505000",
            "fee": "0.02551521",
            "margin": "1.51876250",
            "value": "6.08527000",
            "pnl": "-0.01022000",
        }
    ]


def test_trade_balance_record() -> None:
    fake = FakePrivate(sample("rest-private-TradeBalance.json")["result"])
    rec = margin.trade_balance(fake).to_record()
    assert rec["equity"] == "382.2032" and rec["margin_level"] == "5432.57"
    assert rec["free_margin"] == "375.1678" and rec["unexecuted_value"] is None


@pytest.mark.parametrize(
    ("error", "word"),
    [
        ("EOrder:Insufficient margin", "pool"),
        ("EOrder:Margin level too low", "margin level"),
        ("EOrder:Margin allowance exceeded", "borrowing limit"),
        ("EOrder:Positions limit exceeded", "too many"),
    ],
)
def test_margin_hints(error: str, word: str) -> None:
    err = from_kraken([error])
    assert isinstance(err, OrderError)
    assert word in (margin.explain(err).hint or "")


def test_positions_error_gets_hint() -> None:
    fake = FakePrivate(error=from_kraken(["EOrder:Unknown position"]))
    with pytest.raises(OrderError) as info:
        margin.positions(fake)
    assert "krx account positions" in (info.value.hint or "")
