"""The sandbox's margin rules (sandbox.matching docstring): collateral, free margin, level."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kraken_cli.sandbox import rest_private, trading
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.market import PAIRS, pair_json
from kraken_cli.sandbox.matching import OPEN_MARGIN_LEVEL
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.rest_public import ApiError
from tests.support.fakes import FakeNsClock


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(Options(history_days=0.2, live_rate=0), clock=FakeNsClock())


def margin_order(sb: Sandbox, **params: str) -> Any:
    base = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    return trading.add_order(sb, {"leverage": "2", "price": "50000.0", **base, **params})


def balance(sb: Sandbox) -> dict[str, Decimal]:
    raw = rest_private.trade_balance(sb, {})
    assert isinstance(raw, dict)
    return {k: Decimal(v) for k, v in raw.items()}


def test_collateral_is_haircut_equity_without_positions(sb: Sandbox) -> None:
    tb = balance(sb)
    assert tb["tb"] < tb["eb"]  # collateral_value < 1 on every asset but USD
    assert tb["m"] == 0 and tb["n"] == 0 and tb["ml"] == 0
    assert tb["e"] == tb["tb"] and tb["mf"] == tb["e"]


def test_a_position_uses_cost_over_leverage(sb: Sandbox) -> None:
    before = balance(sb)
    trading.add_order(
        sb,
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.5", "leverage": "5"},
    )
    fills = [f for f in sb.exchange.fills if f.position]
    after = balance(sb)
    assert fills and after["m"] == (sum(f.cost for f in fills) / 5).quantize(Decimal("0.0001"))
    cent = Decimal("0.0002")  # each field is rounded to 4 places on its own
    assert abs(after["e"] - (after["tb"] + after["n"])) <= cent
    assert abs(after["mf"] - (after["e"] - after["m"])) <= cent
    assert after["ml"] == (after["e"] / after["m"] * 100).quantize(Decimal("0.01"))
    assert after["tb"] < before["tb"]  # the fee came off the USD collateral


def test_insufficient_margin_when_cost_over_leverage_exceeds_free_margin(sb: Sandbox) -> None:
    free = balance(sb)["mf"]
    volume = (free * 2 / Decimal(50000) * Decimal("1.01")).quantize(Decimal("0.00000001"))
    with pytest.raises(ApiError, match="EOrder:Insufficient margin"):
        margin_order(sb, volume=str(volume), validate="true")
    with pytest.raises(ApiError, match="EOrder:Insufficient margin"):
        margin_order(sb, ordertype="market", volume="1000")


def test_margin_level_too_low_when_it_fits_but_leaves_under_the_minimum(sb: Sandbox) -> None:
    free = balance(sb)["mf"]
    # needs 90% of the free margin: it fits, but leaves the level at ~111% < 150%
    volume = (free * 2 / Decimal(50000) * Decimal("0.9")).quantize(Decimal("0.00000001"))
    with pytest.raises(ApiError, match="EOrder:Margin level too low"):
        margin_order(sb, volume=str(volume))
    ok = (free * 2 / Decimal(50000) * 100 / OPEN_MARGIN_LEVEL * Decimal("0.99")).quantize(
        Decimal("0.00000001")
    )
    assert margin_order(sb, volume=str(ok), validate="true")["descr"]


def test_leverage_must_be_listed_for_the_side(sb: Sandbox) -> None:
    with pytest.raises(ApiError, match="EGeneral:Invalid arguments:leverage"):
        margin_order(sb, leverage="11")
    eth = {"pair": "ETHXBT", "volume": "0.1", "validate": "true"}
    assert margin_order(sb, **eth, price="0.04000", leverage="4")["descr"]  # leverage_buy 2..5
    with pytest.raises(ApiError, match="EGeneral:Invalid arguments:leverage"):
        margin_order(sb, **eth, type="sell", price="0.06000", leverage="4")  # leverage_sell 2, 3
    assert margin_order(sb, **eth, type="sell", price="0.06000", leverage="3")["descr"]
    assert pair_json(PAIRS["XETHXXBT"])["leverage_sell"] == [2, 3]


def test_reduce_only_needs_an_opposing_position(sb: Sandbox) -> None:
    with pytest.raises(ApiError, match="EOrder:Reduce only:No position exists"):
        margin_order(sb, type="sell", price="90000.0", reduce_only="true")
    trading.add_order(
        sb,
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.1", "leverage": "2"},
    )
    assert margin_order(sb, type="sell", price="90000.0", reduce_only="true")["txid"]


def market(sb: Sandbox, side: str, volume: str, **extra: str) -> Any:
    params = {"pair": "XBTUSD", "type": side, "ordertype": "market", "volume": volume}
    return trading.add_order(sb, {**params, "leverage": "2", **extra})


def open_by_side(sb: Sandbox) -> dict[str, Decimal]:
    """Open volume per side over OpenPositions (a market order opens one per fill, as Kraken)."""
    positions = rest_private.open_positions(sb, {})
    assert isinstance(positions, dict)
    out: dict[str, Decimal] = {}
    for p in positions.values():
        out[p["type"]] = (
            out.get(p["type"], Decimal(0)) + Decimal(p["vol"]) - Decimal(p["vol_closed"])
        )
    return out


def test_reduce_only_sell_reduces_a_long_instead_of_opening_a_short(sb: Sandbox) -> None:
    market(sb, "buy", "0.1")
    market(sb, "sell", "0.04", reduce_only="true")
    assert open_by_side(sb) == {"buy": Decimal("0.06")}  # no short was opened


def test_reduce_only_is_capped_at_the_position_and_closes_it(sb: Sandbox) -> None:
    market(sb, "buy", "0.1")
    placed = market(sb, "sell", "0.5", reduce_only="true")
    assert sb.exchange.orders[placed["txid"][0]].vol_exec == 10_000_000  # 0.1, not 0.5
    assert rest_private.open_positions(sb, {}) == {}
    assert rest_private.open_positions(sb, {"consolidation": "market"}) == []
    assert balance(sb)["m"] == 0


def test_an_opposite_margin_order_nets_then_opens_the_rest(sb: Sandbox) -> None:
    market(sb, "buy", "0.1")
    usd_before = sb.account.balances["ZUSD"]
    fills_before = len(sb.exchange.fills)
    market(sb, "sell", "0.3")
    assert open_by_side(sb) == {"sell": Decimal("0.2")}
    settled = [e for e in sb.account.ledger if e.type == "margin"][
        -(len(sb.exchange.fills) - fills_before) :
    ]
    # each closing fill settles its realised P&L (minus its fee) in USD
    assert sb.account.balances["ZUSD"] == usd_before + sum(e.amount - e.fee for e in settled)


def test_consolidated_positions_are_one_row_per_pair_with_real_leverage(sb: Sandbox) -> None:
    market(sb, "buy", "0.1")
    market(sb, "buy", "0.05")
    positions = rest_private.open_positions(sb, {})
    rows = rest_private.open_positions(sb, {"consolidation": "market"})
    assert isinstance(rows, list) and len(rows) == 1 and isinstance(positions, dict)
    assert rows[0]["positions"] == str(len(positions)) and rows[0]["leverage"] == "2.00000000"
    assert rows[0]["vol"] == "0.15000000" and rows[0]["type"] == "buy"
