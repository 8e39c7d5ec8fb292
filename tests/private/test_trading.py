"""Order checks before sending, and the lost-reply path over a MockTransport."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from kraken_cli.errors import NetworkError, UsageError
from kraken_cli.models.symbols import Pair
from kraken_cli.services.trading.spot import OrderRequest, TradingService, check_order
from tests.private.test_spot_private import Rig, envelope

PAIR = Pair(
    key="XXBTZUSD", altname="XBTUSD", wsname="XBT/USD", symbol="BTC/USD", base="BTC",
    quote="USD", base_id="XXBT", quote_id="ZUSD", pair_decimals=1, lot_decimals=8,
    cost_decimals=5, tick_size=Decimal("0.1"), ordermin=Decimal("0.00005"),
    costmin=Decimal("0.5"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("req", "needle", "nearest"),
    [
        (OrderRequest("buy", "0.001", price="50000.12"), "tick size", "50000.1"),
        (OrderRequest("buy", "0.000001", price="50000"), "order minimum", "0.00005"),
        (OrderRequest("buy", "0.000123456", price="50000"), "8 decimals", "0.00012346"),
        (OrderRequest("buy", "0.00005", price="1000"), "cost minimum", "0.0005"),
        (OrderRequest("buy", "0.001"), "needs --price", None),
        (OrderRequest("buy", "0.001", type="market", price="1"), "no --price", None),
        (OrderRequest("buy", "0.001", type="stop-loss-limit", price="1"), "--price2", None),
    ],
)
def test_checks_name_the_rule_and_the_nearest_value(
    req: OrderRequest, needle: str, nearest: str | None
) -> None:
    with pytest.raises(UsageError) as info:
        check_order(PAIR, req)
    assert needle in info.value.message
    if nearest:
        assert nearest in (info.value.hint or "")


def test_valid_orders_pass() -> None:
    assert check_order(PAIR, OrderRequest("buy", "0.001", price="50000.1")) == Decimal("0.001")
    check_order(PAIR, OrderRequest("sell", "0.001", type="market"))
    check_order(PAIR, OrderRequest("buy", "0.001", price="+5%"))  # relative: Kraken checks


def _service(rig: Rig) -> TradingService:
    clock = iter(range(1000))
    return TradingService(
        rig.client, sleep=lambda s: None, clock=lambda: float(next(clock)), lookup_grace_s=3
    )


def test_timeout_after_accepted_order_reports_it_placed_without_resending(
    tmp_path: Path,
) -> None:
    order = {
        "cl_ord_id": "c-1", "status": "open", "opentm": 1700000000.5, "vol": "0.001",
        "vol_exec": "0", "descr": {"pair": "XBTUSD", "type": "buy", "ordertype": "limit",
                                   "price": "50000.0", "order": "buy 0.001 XBTUSD @ limit"},
    }  # fmt: skip
    rig = Rig(
        tmp_path, [httpx.ReadTimeout("slow"), envelope({"open": {"OABCDE-FGHIJ-KLMNOP": order}})]
    )
    placed = _service(rig).place(PAIR, OrderRequest("buy", "0.001", price="50000", cl_ord_id="c-1"))
    assert placed.status == "placed-after-timeout" and placed.order_id == "OABCDE-FGHIJ-KLMNOP"
    paths = [r.url.path for r in rig.requests]
    assert paths == ["/0/private/AddOrder", "/0/private/OpenOrders"]
    assert b"cl_ord_id=c-1" in rig.requests[1].content


def test_timeout_and_absent_order_says_not_placed(tmp_path: Path) -> None:
    empty = [envelope({"open": {}}), envelope({"closed": {}, "count": 0})]
    rig = Rig(tmp_path, [httpx.ReadTimeout("slow"), *empty * 3])
    with pytest.raises(NetworkError) as info:
        _service(rig).place(PAIR, OrderRequest("buy", "0.001", price="50000"))
    assert "NOT placed" in info.value.message
    assert [r.url.path for r in rig.requests].count("/0/private/AddOrder") == 1


def test_lookup_failing_too_says_outcome_unknown(tmp_path: Path) -> None:
    rig = Rig(tmp_path, [httpx.ReadTimeout("slow")] + [httpx.ConnectError("down")] * 20)
    with pytest.raises(NetworkError) as info:
        _service(rig).place(PAIR, OrderRequest("buy", "0.001", price="50000"))
    assert "UNKNOWN" in info.value.message
    assert [r.url.path for r in rig.requests].count("/0/private/AddOrder") == 1
