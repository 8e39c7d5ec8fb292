"""``krx mcp --allow-trading``: order tools, validation first, one placement per cl_ord_id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.e2e.mcp_client import McpSession, krx_mcp

pytestmark = pytest.mark.e2e

ORDER_TOOLS = {"order_add", "order_amend", "order_cancel", "order_cancel_all"}


@pytest.fixture(scope="module")
def client(
    sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[McpSession]:
    with krx_mcp(sandbox, tmp_path_factory.mktemp("mcp-trading"), "--allow-trading") as session:
        yield session


def _order(cl_ord_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "symbol": "BTCUSD",
        "side": "buy",
        "volume": "0.001",
        "type": "limit",
        "price": "50000",
        "cl_ord_id": cl_ord_id,
        **extra,
    }


def _mine(client: McpSession, cl_ord_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.records("account_orders", {"cl_ord_id": cl_ord_id})
    return rows


def test_order_tools_are_offered_and_marked_destructive(client: McpSession) -> None:
    tools = client.tools()
    assert set(tools) >= ORDER_TOOLS
    add = tools["order_add"]
    assert {"symbol", "side", "volume", "cl_ord_id"} <= set(add.input_schema["required"])
    assert add.annotations.destructive_hint is True
    assert tools["ticker"].annotations.read_only_hint is True


def test_validate_only_asks_kraken_and_places_nothing(client: McpSession) -> None:
    cl_ord_id = str(uuid.uuid4())
    rows = client.records("order_add", _order(cl_ord_id, validate_only=True))
    assert [r["status"] for r in rows] == ["validated"]
    assert rows[0]["cl_ord_id"] == cl_ord_id
    assert _mine(client, cl_ord_id) == []


def test_add_validates_then_places_once_even_when_retried(client: McpSession) -> None:
    cl_ord_id = str(uuid.uuid4())
    rows = client.records("order_add", _order(cl_ord_id))
    assert [r["status"] for r in rows] == ["validated", "placed"]
    assert rows[1]["order_id"]
    again = client.records("order_add", _order(cl_ord_id))  # the host retried the call
    assert len(again) == 1 and "already exists" in again[0]["note"]
    assert again[0]["order_id"] == rows[1]["order_id"]
    assert len(_mine(client, cl_ord_id)) == 1


def test_amend_and_cancel(client: McpSession) -> None:
    cl_ord_id = str(uuid.uuid4())
    placed = client.records("order_add", _order(cl_ord_id))[-1]
    amended = client.records("order_amend", {"order_id": placed["order_id"], "price": "50100"})
    assert amended[0]["status"] == "amended"
    assert _mine(client, cl_ord_id)[0]["price"].startswith("50100")
    cancelled = client.records("order_cancel", {"order_ids": [cl_ord_id]})
    assert cancelled[0]["cancelled"] == 1
    assert _mine(client, cl_ord_id) == []


def test_cancel_all(client: McpSession) -> None:
    client.records("order_add", _order(str(uuid.uuid4())))
    assert client.records("order_cancel_all", {})[0]["cancelled"] >= 1
    assert client.records("account_orders", {}) == []


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [
        ({k: v for k, v in _order("x").items() if k != "cl_ord_id"}, "'cl_ord_id' is a required"),
        (_order("tick", price="50000.123456"), "tick size"),
        (_order("margin", market="margin"), "needs --leverage"),
        (_order("side", side="hold"), "'hold' is not one of"),
    ],
)
def test_bad_orders_are_tool_errors_before_anything_is_sent(
    client: McpSession, arguments: dict[str, Any], needle: str
) -> None:
    result = client.call("order_add", arguments)
    assert result.is_error
    assert needle in result.content[0].text
    if "cl_ord_id" in arguments:
        assert _mine(client, arguments["cl_ord_id"]) == []


def test_futures_order_is_placed_once_too(client: McpSession) -> None:
    cl_ord_id = str(uuid.uuid4())
    order = _order(cl_ord_id, symbol="PF_XBTUSD", volume="0.01", market="futures")
    rows = client.records("order_add", order)
    assert len(rows) == 2 and rows[0]["status"] == "validated"
    assert rows[1]["order_id"] and rows[1]["cl_ord_id"] == cl_ord_id
    again = client.records("order_add", order)
    assert len(again) == 1 and "already exists" in again[0]["note"]
    futures_orders = {"market": "futures", "cl_ord_id": cl_ord_id}
    assert len(client.records("account_orders", futures_orders)) == 1
    order_id = rows[1]["order_id"]
    cancelled = client.records("order_cancel", {"order_ids": [order_id], "market": "futures"})
    assert cancelled
