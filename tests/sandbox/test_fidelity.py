"""Every private sandbox reply has the JSON types of Kraken's real replies (not only its keys).

Spot replies come from the in-process sandbox serialised exactly as the server does; futures
replies from the futures routes. A string where Kraken sends a number (or the reverse) fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from kraken_cli.protocol.signing import futures_signature
from kraken_cli.sandbox import rest_private, trading
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.futures import FuturesState, futures_routes
from tests.sandbox.inproc import make_sandbox, wire
from tests.sandbox.shapes import as_sent, sample, shape_errors

#: keys Kraken adds only in some states (asked-for trades, a client id, closed-only fields)
ORDER_OPTIONAL = frozenset({"cl_ord_id", "trades", "closetm", "reason", "trigger"})


def first(mapping: dict[str, Any]) -> Any:
    return next(iter(mapping.values()))


#: keys whose value is null in some real replies and text in others (a filled order's reason)
NULLABLE = frozenset({"reason", "cliOrdId"})


def same_types(ours: Any, real: Any, optional: frozenset[str] = frozenset()) -> None:
    if isinstance(real, dict):
        real = {k: v for k, v in real.items() if k not in optional or k in ours}
        nulls = {k for k in NULLABLE if k in ours and None in (ours[k], real.get(k))}
        ours = {k: v for k, v in ours.items() if k not in nulls}
        real = {k: v for k, v in real.items() if k not in nulls}
    errors = shape_errors(ours, real, extra_ok=optional)
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    """A sandbox with one fill, one margin position, one resting and one canceled order."""
    sb = make_sandbox()
    base = {"pair": "XBTUSD", "type": "buy", "volume": "0.01"}
    trading.add_order(sb, {**base, "ordertype": "market"})
    trading.add_order(sb, {**base, "ordertype": "market", "leverage": "2"})
    trading.add_order(sb, {**base, "ordertype": "limit", "price": "1000.0", "userref": "7"})
    gone = trading.add_order(sb, {**base, "ordertype": "limit", "price": "1001.0"})
    trading.cancel_order(sb, {"txid": gone["txid"][0]})  # type: ignore[index]
    return sb


def call(sb: Sandbox, method: str, **params: str) -> Any:
    handler, _ = rest_private.PRIVATE[method]
    return wire(handler(sb, params))


def test_order_objects(sb: Sandbox) -> None:
    open_rows = call(sb, "OpenOrders")["open"]
    assert open_rows, "the fixture leaves one order open"
    live_open = as_sent(first(sample("rest-private-OpenOrders.json")["result"]["open"]))
    docs_open = first(sample("rest-private-OpenOrders-docs-example.json")["result"]["open"])
    docs_open = {**docs_open, "refid": None}  # the docs' "None" string is an artefact
    for row in open_rows.values():
        assert "reason" not in row  # Kraken sends no reason on open orders
        same_types(row, live_open, ORDER_OPTIONAL)
        same_types(row, docs_open, ORDER_OPTIONAL)
        assert isinstance(row["userref"], int) and isinstance(row["opentm"], float)
    closed = call(sb, "ClosedOrders")
    docs_closed = first(sample("rest-private-ClosedOrders.json")["result"]["closed"])
    for row in closed["closed"].values():
        same_types(row, {**docs_closed, "refid": None}, ORDER_OPTIONAL)
    assert isinstance(closed["count"], int)
    txids = ",".join([*open_rows, *closed["closed"]])
    live_closed = as_sent(first(sample("rest-private-QueryOrders.json")["result"]))
    live_limit = as_sent(first(sample("rest-private-QueryOrders-open-limit.json")["result"]))
    for row in call(sb, "QueryOrders", txid=txids, trades="true").values():
        same_types(row, live_closed if row["status"] != "open" else live_limit, ORDER_OPTIONAL)


def test_account_replies(sb: Sandbox) -> None:
    real_balance = first(sample("rest-private-Balance.json")["result"])
    for value in call(sb, "Balance").values():
        same_types(value, real_balance)
    same_types(call(sb, "TradeBalance"), sample("rest-private-TradeBalance.json")["result"])
    real_fill = first(sample("rest-private-TradesHistory.json")["result"]["trades"])
    history = call(sb, "TradesHistory")
    assert isinstance(history["count"], int)
    for fill in history["trades"].values():
        same_types(fill, real_fill, frozenset({"posstatus", "ledgers"}))
    real_entry = first(sample("rest-private-Ledgers.json")["result"]["ledger"])
    for entry in call(sb, "Ledgers")["ledger"].values():
        same_types(entry, real_entry)
    real_position = first(sample("rest-private-OpenPositions.json")["result"])
    positions = call(sb, "OpenPositions")
    assert positions
    for position in positions.values():
        same_types(position, real_position)
    consolidated = sample("rest-private-OpenPositions-consolidation-market.json")["result"]
    same_types(call(sb, "OpenPositions", consolidation="market"), consolidated)
    same_types(
        call(sb, "GetWebSocketsToken"), sample("rest-private-GetWebSocketsToken.json")["result"]
    )
    same_types(call(sb, "GetApiKeyInfo"), sample("rest-private-GetApiKeyInfo.json")["result"])


def test_trading_replies() -> None:
    sb = make_sandbox()
    base = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    placed = call(sb, "AddOrder", **base, price="1000.0")
    same_types(placed, sample("rest-private-AddOrder.json")["result"])
    edited = call(sb, "EditOrder", txid=placed["txid"][0], pair="XBTUSD", price="1001.0")
    same_types(edited, sample("rest-private-EditOrder.json")["result"])
    same_types(
        call(sb, "CancelOrder", txid=edited["txid"]),
        sample("rest-private-CancelOrder.json")["result"],
    )
    same_types(call(sb, "CancelAll"), sample("rest-private-CancelAll.json")["result"])
    same_types(
        call(sb, "CancelAllOrdersAfter", timeout="60"),
        sample("rest-private-CancelAllOrdersAfter.json")["result"],
    )


def test_trade_balance_in_any_asset(sb: Sandbox) -> None:
    usd = call(sb, "TradeBalance")
    for asset in ("ZEUR", "EUR", "XXBT", "XBT", "ETH"):
        other = call(sb, "TradeBalance", asset=asset)
        same_types(other, usd)
        assert Decimal(other["eb"]) != Decimal(usd["eb"])
    eur = call(sb, "TradeBalance", asset="ZEUR")
    assert Decimal(eur["eb"]) == (Decimal(usd["eb"]) / Decimal("1.08")).quantize(Decimal("0.0001"))
    with pytest.raises(rest_private.ApiError, match="EQuery:Unknown asset"):
        call(sb, "TradeBalance", asset="NOPE")


# -- futures -----------------------------------------------------------------------------------
NOW_MS = 1_790_265_600_000 + 37 * 60_000 + 12_345


@pytest.fixture(scope="module")
def futures() -> Iterator[tuple[TestClient, FuturesState]]:
    state = FuturesState.from_seed(7, clock_ms=lambda: NOW_MS)
    app = Starlette(routes=[Mount("/futures", routes=futures_routes(state))])
    with TestClient(app, base_url="http://sandbox") as tc:
        yield tc, state


def futures_call(
    futures: tuple[TestClient, FuturesState], verb: str, endpoint: str, data: str = ""
) -> Any:
    tc, state = futures
    path = f"/derivatives/api/v3/{endpoint}"
    headers = {"APIKey": state.api_key, "Authent": futures_signature(state.api_secret, path, data)}
    if verb == "GET":
        response = tc.get(f"/futures{path}?{data}", headers=headers)
    else:
        response = tc.post(f"/futures{path}", content=data, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_futures_replies(futures: tuple[TestClient, FuturesState]) -> None:
    sent = futures_call(
        futures,
        "POST",
        "sendorder",
        "orderType=lmt&symbol=PF_XBTUSD&side=buy&size=0.01&limitPrice=50000",
    )
    real_sent = sample("futures-rest-sendorder.json")
    same_types(
        sent["sendStatus"]["orderEvents"][0]["order"],
        real_sent["sendStatus"]["orderEvents"][0]["order"],
    )
    assert sent["sendStatus"]["orderEvents"][0]["order"]["limitPrice"] == 50000.0
    futures_call(futures, "POST", "sendorder", "orderType=mkt&symbol=PF_XBTUSD&side=buy&size=0.01")
    real_open = sample("futures-rest-openorders.json")["openOrders"][0]
    for row in futures_call(futures, "GET", "openorders")["openOrders"]:
        same_types(row, real_open, frozenset({"cliOrdId", "stopPrice", "triggerSignal"}))
    real_position = sample("futures-rest-openpositions.json")["openPositions"][2]
    for row in futures_call(futures, "GET", "openpositions")["openPositions"]:
        same_types(
            row, real_position, frozenset({"unrealizedFunding", "pnlCurrency", "maxFixedLeverage"})
        )
        assert isinstance(row["price"], float)


def test_futures_accounts(futures: tuple[TestClient, FuturesState]) -> None:
    real = sample("futures-rest-accounts.json")["accounts"]
    ours = futures_call(futures, "GET", "accounts")["accounts"]
    flex = {**ours["flex"], "currencies": ours["flex"]["currencies"]["USD"]}
    same_types(flex, {**real["flex"], "currencies": real["flex"]["currencies"]["USD"]})
    same_types(ours["cash"]["balances"]["usd"], real["cash"]["balances"]["xbt"])


def test_futures_prices_are_doubles(futures: tuple[TestClient, FuturesState]) -> None:
    tc, _ = futures
    body = tc.get("/futures/derivatives/api/v3/tickers").text
    assert '"bid":' in body
    row = next(
        r
        for r in tc.get("/futures/derivatives/api/v3/tickers").json()["tickers"]
        if r["symbol"] == "PF_XBTUSD"
    )
    for key in ("bid", "ask", "last", "markPrice"):
        assert isinstance(row[key], float), (key, row[key])
