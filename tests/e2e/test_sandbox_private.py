"""End-to-end: authentication chain, account endpoints and order flow of the acct."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SandboxHandle, _sign, start_sandbox
from tests.sandbox.shapes import as_sent, assert_shape, err, ok, sample

pytestmark = pytest.mark.e2e
ORDER_EXTRA = frozenset({"cl_ord_id", "trades", "closetm", "reason"})


@pytest.fixture(scope="module")
def acct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """A sandbox with a generous REST counter, so this module's many calls are not limited."""
    handle = start_sandbox(tmp_path_factory.mktemp("acct"), tier="custom:1000:100")
    yield handle
    handle.stop()


def test_auth_chain(acct: SandboxHandle) -> None:
    assert err(acct.private("Balance", key="bogus")) == ["EAPI:Invalid key"]
    wrong = "c2VjcmV0" * 11
    assert err(acct.private("Balance", secret=wrong)) == ["EAPI:Invalid signature"]
    ok(acct.private("Balance"))  # establishes a large nonce for the key
    assert err(acct.private("Balance", nonce="1")) == ["EAPI:Invalid nonce"]
    assert err(acct.private("Frobnicate")) == ["EGeneral:Unknown method"]
    acct.control({"permissions": ["query-funds"]})
    try:
        assert err(acct.private("OpenOrders")) == ["EGeneral:Permission denied"]
        ok(acct.private("Balance"))
    finally:
        acct.control({"permissions": None})


def test_json_body_accepted(acct: SandboxHandle) -> None:
    path = "/0/private/Balance"
    nonce = acct.nonce()
    body = json.dumps({"nonce": nonce})
    headers = {
        "API-Key": acct.api_key,
        "API-Sign": _sign(acct.api_secret, path, nonce, body),
        "Content-Type": "application/json",
    }
    assert "ZUSD" in ok(httpx.post(acct.rest_url + path, content=body, headers=headers))


def test_account_shapes(acct: SandboxHandle) -> None:
    balance = ok(acct.private("Balance"))
    assert all(isinstance(v, str) for v in balance.values())
    assert_shape(
        ok(acct.private("TradeBalance")), sample("rest-private-TradeBalance.json")["result"]
    )
    ex = ok(acct.private("BalanceEx"))
    assert set(ex["ZUSD"]) == {"balance", "hold_trade"}
    token = ok(acct.private("GetWebSocketsToken"))
    assert_shape(token, sample("rest-private-GetWebSocketsToken.json")["result"])
    info = ok(acct.private("GetApiKeyInfo"))
    assert_shape(info, sample("rest-private-GetApiKeyInfo.json")["result"])
    assert info["api_key"] == acct.api_key


def test_market_order_flow(acct: SandboxHandle) -> None:
    before = ok(acct.private("Balance"))
    placed = ok(
        acct.private(
            "AddOrder",
            pair="XBTUSD",
            type="buy",
            ordertype="market",
            volume="0.01",
            cl_ord_id="mkt-1",
        )
    )
    assert_shape(placed, sample("rest-private-AddOrder.json")["result"])
    assert placed["descr"]["order"] == "buy 0.01000000 XBTUSD @ market"
    txid = placed["txid"][0]
    assert len(txid) == 19 and txid[6] == "-" and txid[12] == "-" and txid.startswith("O")
    after = ok(acct.private("Balance"))
    assert Decimal(after["XXBT"]) - Decimal(before["XXBT"]) == Decimal("0.01")
    assert Decimal(after["ZUSD"]) < Decimal(before["ZUSD"])
    order = ok(acct.private("QueryOrders", txid=txid, trades="true"))[txid]
    real_order = sample("rest-private-QueryOrders.json")["result"]["OGMZCL-KC6MC-ZRBGM6"]
    assert_shape(order, as_sent(real_order), ORDER_EXTRA)
    assert order["status"] == "closed" and order["vol_exec"] == "0.01000000"
    history = ok(acct.private("TradesHistory"))
    fill = history["trades"][order["trades"][0]]
    real_fill = next(iter(sample("rest-private-TradesHistory.json")["result"]["trades"].values()))
    assert_shape(fill, real_fill)
    assert history["count"] >= 1
    ledger = ok(acct.private("Ledgers", asset="XXBT"))
    real_entry = next(iter(sample("rest-private-Ledgers.json")["result"]["ledger"].values()))
    for entry in ledger["ledger"].values():
        assert_shape(entry, real_entry)
    closed = ok(acct.private("ClosedOrders"))
    assert txid in closed["closed"] and isinstance(closed["count"], int)
    log = httpx.get(f"{acct.rest_url}/sandbox/orders").json()
    assert txid in log["orders"] and any(e["txid"] == txid for e in log["events"])


def test_limit_order_rest_amend_cancel(acct: SandboxHandle) -> None:
    ticker = ok(acct.public("Ticker", pair="XETHZUSD"))["XETHZUSD"]
    low = (Decimal(ticker["b"][0]) * Decimal("0.8")).quantize(Decimal("0.01"))
    placed = ok(
        acct.private(
            "AddOrder",
            pair="ETHUSD",
            type="buy",
            ordertype="limit",
            volume="0.5",
            price=str(low),
            cl_ord_id="lim-1",
        )
    )
    txid = placed["txid"][0]
    open_orders = ok(acct.private("OpenOrders"))["open"]
    real = sample("rest-private-QueryOrders-open-limit.json")["result"]["OR6EGN-KQSEG-AMI6CL"]
    # OpenOrders rows carry no "reason" (QueryOrders does, as null)
    listed = as_sent({k: v for k, v in real.items() if k != "reason"})
    assert_shape(open_orders[txid], listed, ORDER_EXTRA)
    hold = ok(acct.private("BalanceEx"))["ZUSD"]["hold_trade"]
    assert Decimal(hold) > 0
    amend = ok(acct.private("AmendOrder", txid=txid, limit_price=str(low - 1)))
    assert "amend_id" in amend
    edited = ok(acct.private("EditOrder", txid=txid, pair="ETHUSD", volume="0.6"))
    assert_shape(edited, sample("rest-private-EditOrder.json")["result"])
    new_txid = edited["txid"]
    assert err(acct.private("CancelOrder", txid=txid)) == ["EOrder:Unknown order"]
    assert ok(acct.private("CancelOrder", txid=new_txid)) == {"count": 1}
    assert err(acct.private("CancelOrder", txid="OAAAAA-BBBBB-CCCCCC")) == ["EOrder:Unknown order"]


def test_cancel_by_cl_ord_id_and_cancel_all(acct: SandboxHandle) -> None:
    ok(
        acct.private(
            "AddOrder",
            pair="XBTUSD",
            type="sell",
            ordertype="limit",
            volume="0.001",
            price="999999.0",
            cl_ord_id="cx-1",
        )
    )
    assert ok(acct.private("CancelOrder", cl_ord_id="cx-1")) == {"count": 1}
    ok(
        acct.private(
            "AddOrder",
            pair="XBTUSD",
            type="sell",
            ordertype="limit",
            volume="0.001",
            price="999999.0",
        )
    )
    assert ok(acct.private("CancelAll"))["count"] >= 1
    after = ok(acct.private("CancelAllOrdersAfter", timeout=60))
    assert_shape(after, sample("rest-private-CancelAllOrdersAfter.json")["result"])
    ok(acct.private("CancelAllOrdersAfter", timeout=0))


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"price": "60000.05"}, "EOrder:Invalid price"),
        ({"pair": "XDGUSD", "volume": "10", "price": "0.1000000"}, "EOrder:Order minimum not met"),
        ({"volume": "0.00005", "price": "100.0"}, "EOrder:Cost minimum not met"),
        ({"volume": "1000"}, "EOrder:Insufficient funds"),
        ({"ordertype": "iceberg-ish"}, "EGeneral:Invalid arguments:ordertype"),
        ({"pair": "NOPE"}, "EQuery:Unknown asset pair"),
        ({"reduce_only": "true", "leverage": "2"}, "EOrder:Reduce only:No position exists"),
    ],
)
def test_add_order_rejections(acct: SandboxHandle, params: dict[str, str], error: str) -> None:
    body: dict[str, Any] = {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "limit",
        "volume": "0.01",
        "price": "60000.0",
        **params,
    }
    errors = err(acct.private("AddOrder", **body))
    assert errors[0].startswith(error)


def test_tick_size_check() -> None:
    from kraken_cli.sandbox.market import PAIRS
    from kraken_cli.sandbox.rest_public import ApiError
    from kraken_cli.sandbox.trading import price_units

    pair = PAIRS["XXBTZUSD"]
    assert price_units(pair, Decimal("60000.1")) == 600001
    # a pair whose tick is coarser than its precision rejects off-tick prices
    coarse = type(pair)(**{**pair.__dict__, "tick_size": "0.5"})
    with pytest.raises(ApiError, match="EOrder:Tick size check failed"):
        price_units(coarse, Decimal("60000.1"))


def test_validate_places_nothing(acct: SandboxHandle) -> None:
    result = ok(
        acct.private(
            "AddOrder",
            pair="XBTUSD",
            type="buy",
            ordertype="limit",
            volume="0.01",
            price="1000.0",
            validate="true",
        )
    )
    assert "txid" not in result and result["descr"]["order"].startswith("buy 0.01000000 XBTUSD")


def test_rate_limit_counter(sandbox_factory: Any) -> None:
    own = sandbox_factory(tier="custom:3:0.01")
    for _ in range(3):
        ok(own.private("Balance"))
    assert err(own.private("Balance")) == ["EAPI:Rate limit exceeded"]
    assert err(own.private("Ledgers")) == ["EAPI:Rate limit exceeded"]


def test_http_faults(acct: SandboxHandle) -> None:
    acct.control({"http_error": {"code": 520, "count": 2}})
    try:
        for _ in range(2):
            response = acct.public("Time")
            assert response.status_code == 520 and "cloudflare" in response.text.lower()
        assert acct.public("Time").status_code == 200
        acct.control({"service_unavailable": 1})
        assert err(acct.public("Time")) == ["EService:Unavailable"]
        acct.control({"skew_seconds": 7})
        assert abs(ok(acct.public("Time"))["unixtime"] - time.time() - 7) < 2
        acct.control({"skew_seconds": 0, "delay_ms": 300})
        started = time.monotonic()
        acct.public("Time")
        assert time.monotonic() - started >= 0.3
    finally:
        acct.control({"reset": True})
    bad = httpx.post(f"{acct.rest_url}/sandbox/faults", json={"drop_random": 3})
    assert bad.status_code == 400
