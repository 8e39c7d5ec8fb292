"""Issue #18 class 2: a private reply parses into its record or raises ProtocolError (exit 6).

A malformed amount must never print as 0 with exit 0; wrong types, a null result, NaN and
numbers beyond any real amount are protocol errors naming the endpoint.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.errors import ProtocolError
from kraken_cli.models.account import Names
from kraken_cli.models.account_spot import parse_orders, parse_trades
from kraken_cli.services.account.futures import FuturesAccount
from kraken_cli.services.account.spot import SpotAccount
from kraken_cli.services.trading import futures as ft
from tests.futures.helpers import CREDS, Router

BAD_AMOUNTS = ["abc", None, "", {}, [], True, False, "NaN", "nan", "Infinity", "1e400", 1e400]
V3 = "/derivatives/api/v3"


class Fake:
    def __init__(self, result: Any) -> None:
        self.result = result

    def call(self, method: str, data: Any = None, *, idempotent: bool) -> Any:
        return self.result

    def close(self) -> None:
        pass


def _spot(result: Any) -> SpotAccount:
    return SpotAccount(Fake(result))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", BAD_AMOUNTS)
def test_malformed_balance_is_a_protocol_error(bad: Any) -> None:
    for result in ({"XXBT": {"balance": bad, "hold_trade": "0"}}, {"XXBT": bad}):
        with pytest.raises(ProtocolError) as info:
            _spot(result).balances()
        assert "BalanceEx" in info.value.message


@pytest.mark.parametrize("bad", ["abc", {}, True, "NaN", "1e400"])
def test_malformed_hold_is_a_protocol_error(bad: Any) -> None:
    with pytest.raises(ProtocolError):
        _spot({"XXBT": {"balance": "1", "hold_trade": bad}}).balances()


@pytest.mark.parametrize("result", [None, [1], "text", 3, True])
def test_wrong_result_types(result: Any) -> None:
    account = _spot(result)
    for call in (account.balances, account.open_orders, account.positions):
        with pytest.raises(ProtocolError):
            call()
    with pytest.raises(ProtocolError):
        account.trade_balance()


def test_wrong_nested_types() -> None:
    with pytest.raises(ProtocolError, match="OpenOrders"):
        _spot({"open": None}).open_orders()
    with pytest.raises(ProtocolError, match="OpenOrders: result is a list"):
        _spot({"open": ["x"]}).open_orders()
    with pytest.raises(ProtocolError, match="vol"):
        parse_orders({"O1": {"vol": "many", "descr": {}}}, Names())
    with pytest.raises(ProtocolError, match="time"):
        parse_trades({"T1": {"time": -5}}, Names())
    with pytest.raises(ProtocolError, match="count"):
        _spot({"trades": {}, "count": "lots"}).trades()


def test_empty_object_as_list_is_empty() -> None:
    # Kraken's backend encodes an empty object as []: no positions, not an error.
    assert _spot([]).positions() == []


def _futures(path: str, body: dict[str, Any]) -> FuturesAccount:
    router = Router()
    router.add(f"{V3}/{path}", json.dumps({"result": "success", **body}))
    return FuturesAccount(
        FuturesRest("https://f.test", CREDS, transport=httpx.MockTransport(router))
    )


@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("accounts", {"accounts": ["cash"]}, "balances"),
        ("accounts", {"accounts": {"flex": "x"}}, "balances"),
        ("accounts", {"accounts": {"cash": {"balances": {"xbt": "abc"}}}}, "balances"),
        ("accounts", {"accounts": {"cash": {"balances": {"xbt": True}}}}, "balances"),
        (
            "accounts",
            {"accounts": {"f": {"type": "multiCollateralMarginAccount", "pnl": "NaN"}}},
            "trade_balance",
        ),
        ("openpositions", {"openPositions": {"a": 1}}, "positions"),
        ("openpositions", {"openPositions": [{"size": "abc"}]}, "positions"),
        ("openorders", {"openOrders": [3]}, "open_orders"),
        ("openorders", {"openOrders": [{"limitPrice": {}}]}, "open_orders"),
        ("openorders", {"openOrders": [{"receivedTime": "yesterday"}]}, "open_orders"),
        ("fills", {"fills": None}, "trades"),
        ("fills", {"fills": [{"price": "1e400"}]}, "trades"),
    ],
)
def test_futures_malformed_replies(path: str, body: dict[str, Any], call: str) -> None:
    with pytest.raises(ProtocolError, match=path):
        getattr(_futures(path, body), call)()


def test_futures_send_status_missing_is_protocol_error() -> None:
    router = Router()
    router.add(f"{V3}/cancelorder", json.dumps({"result": "success"}))
    client = FuturesRest("https://f.test", CREDS, transport=httpx.MockTransport(router))
    with pytest.raises(ProtocolError, match="cancelorder"):
        ft.cancel_orders(client, ["my-id"])


def test_protocol_error_exits_6() -> None:
    from kraken_cli.cli import exit_codes

    assert exit_codes.exit_code_for(ProtocolError("Balance", "x")) == exit_codes.NETWORK


class _Sample:
    skew = 0.0
    uncertainty = 0.01


class _Status:
    status = "online"
    sample = _Sample()


class _Market:
    def status(self) -> _Status:
        return _Status()


@pytest.mark.parametrize("result", [None, "abc", 5])
def test_verify_malformed_balance_is_a_network_failure(result: Any) -> None:
    from kraken_cli.services.verify import NETWORK, exit_category
    from kraken_cli.services.verify.spot import VerifyService

    service = VerifyService(_Market(), Fake(result), rest_url="http://x")  # type: ignore[arg-type]
    report = service.run()
    key = next(c for c in report.checks if c.check == "key accepted")
    assert not key.ok and "malformed reply from Balance" in key.detail
    assert exit_category(report) == NETWORK
