"""Futures account records, order placement rules and the verify checks."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
import vcr

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Credentials, Endpoints, Settings
from kraken_cli.errors import AuthError, OrderError, RequestTimeoutError, UsageError
from kraken_cli.models.trading import AmendRequest
from kraken_cli.services.account.futures import FuturesAccount
from kraken_cli.services.market.futures import futures_client
from kraken_cli.services.trading import futures as ft
from kraken_cli.services.verify.futures import verify_futures
from tests.futures.helpers import CREDS, Router, add_order, records, sample_text

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "futures"
REPLAY = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none")
V3 = "/derivatives/api/v3"
OK = '"result":"success","serverTime":"2026-01-01T00:00:00.000Z"'


@pytest.fixture
def live() -> FuturesRest:
    return FuturesRest("https://futures.kraken.com", CREDS)


def test_account_records_from_cassette(live: FuturesRest) -> None:
    with REPLAY.use_cassette("account.yaml", allow_playback_repeats=True):
        account = FuturesAccount(live)
        bal = records(account.balances())
        margin = records(account.trade_balance())
        pos = records(account.positions())
        orders = records(account.open_orders())
    assert {"asset": "BTC", "balance": "141.31756797", "account": "cash"}.items() <= bal[0].items()
    assert not any(b["asset"].startswith("FI_") for b in bal)
    usd = next(b for b in bal if b["account"] == "flex" and b["asset"] == "USD")
    assert (usd["balance"], usd["available"], usd["hold"]) == ("5000", "5000", "0")
    flex = next(m for m in margin if m["account"] == "flex")
    assert flex["available_margin"] == "34122.66" and flex["portfolio_value"] == "34995.52"
    fi = next(m for m in margin if m["account"] == "fi_xbtusd")
    assert fi["initial_margin"] == "52.8" and fi["currency"] == "BTC"
    assert pos[0] == {
        "symbol": "PI_XBTUSD",
        "side": "short",
        "size": "10000",
        "price": "9392.749993345933",
        "opened": "2020-07-22T14:39:12.376Z",
        "unrealized_funding": "0.00001045432180096817",
        "pnl_currency": None,
        "max_fixed_leverage": None,
    }
    first = orders[0]
    assert list(first)[:11] == [
        "order_id",
        "cl_ord_id",
        "symbol",
        "side",
        "type",
        "price",
        "volume",
        "filled",
        "status",
        "opened",
        "closed",
    ]
    assert (first["type"], first["price"], first["volume"], first["status"]) == (
        "limit",
        "10640",
        "304",
        "open",
    )


def _instruments(router: Router) -> None:
    router.add(f"{V3}/instruments", sample_text("futures-rest-instruments.json"))


def test_add_order_always_sends_cli_ord_id(client: FuturesRest, router: Router) -> None:
    _instruments(router)
    router.add(f"{V3}/sendorder", sample_text("futures-rest-sendorder.json"))
    rec = add_order(client, "BTCUSD", "buy", "0.0010", price="60000")
    sent = dict(parse_qsl(router.requests[-1].content.decode()))
    assert sent["symbol"] == "PF_XBTUSD" and sent["orderType"] == "lmt"
    assert sent["cliOrdId"] == rec["cl_ord_id"] and len(rec["cl_ord_id"]) == 36
    assert rec["status"] == "placed" and rec["order_id"] == "179f9af8-e45e-469d-b3e9-2fd4675cb7d0"


def test_not_placed_status_is_order_error(client: FuturesRest, router: Router) -> None:
    _instruments(router)
    router.add(
        f"{V3}/sendorder",
        "{" + OK + ',"sendStatus":{"status":"insufficientAvailableFunds"}}',
    )
    with pytest.raises(OrderError, match="insufficientAvailableFunds") as info:
        add_order(client, "PF_XBTUSD", "sell", "1", order_type="market")
    assert "collateral" in (info.value.hint or "")


def test_timeout_then_found_by_cli_ord_id(client: FuturesRest, router: Router) -> None:
    _instruments(router)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    router.add(f"{V3}/sendorder", timeout)
    sent: dict[str, str] = {}

    def openorders(_: httpx.Request) -> httpx.Response:
        order = {
            "order_id": "aaaaaaaa-0000-0000-0000-000000000001",
            "cliOrdId": sent["id"],
            "symbol": "PF_XBTUSD",
            "side": "buy",
            "orderType": "lmt",
            "limitPrice": 60000,
            "unfilledSize": 0.001,
            "filledSize": 0,
            "receivedTime": "2026-01-01T00:00:00.000Z",
            "status": "untouched",
        }
        return httpx.Response(200, text=json.dumps({"result": "success", "openOrders": [order]}))

    router.add(f"{V3}/openorders", openorders)
    sent["id"] = "my-order-1"
    rec = add_order(client, "PF_XBTUSD", "buy", "0.001", price="60000", cl_ord_id="my-order-1")
    assert rec["order_id"].startswith("aaaaaaaa") and "confirmed" in rec["note"]
    posts = [r for r in router.requests if r.url.path.endswith("sendorder")]
    assert len(posts) == 1  # never re-sent


def test_timeout_not_found_reports_with_hint(client: FuturesRest, router: Router) -> None:
    _instruments(router)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    router.add(f"{V3}/sendorder", timeout)
    router.add(f"{V3}/openorders", "{" + OK + ',"openOrders":[]}')
    router.add(f"{V3}/fills", "{" + OK + ',"fills":[]}')
    with pytest.raises(RequestTimeoutError) as info:
        add_order(client, "PF_XBTUSD", "buy", "0.001", price="60000", cl_ord_id="x1")
    assert "probably not placed" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": "0.00001", "price": "60000"}, "multiple"),
        ({"size": "1", "price": "60000.5"}, "tick"),
        ({"size": "1"}, "--price is required"),
        ({"size": "-1", "price": "1"}, "positive"),
    ],
)
def test_local_validation(
    client: FuturesRest, router: Router, kwargs: dict[str, str], message: str
) -> None:
    _instruments(router)
    with pytest.raises(UsageError, match=message):
        add_order(client, "PF_XBTUSD", "buy", kwargs.pop("size"), **kwargs)
    assert not any(r.url.path.endswith("sendorder") for r in router.requests)


def test_validate_sends_nothing(client: FuturesRest, router: Router) -> None:
    _instruments(router)
    rec = add_order(client, "PF_XBTUSD", "buy", "1", price="60000", validate=True)
    assert rec["status"] == "validated"
    assert [r.url.path for r in router.requests] == [f"{V3}/instruments"]


def test_cancel_edit_cancel_all(client: FuturesRest, router: Router) -> None:
    _instruments(router)
    router.add(f"{V3}/cancelorder", "{" + OK + ',"cancelStatus":{"status":"cancelled"}}')
    router.add(f"{V3}/editorder", "{" + OK + ',"editStatus":{"status":"edited"}}')
    router.add(
        f"{V3}/cancelallorders",
        "{" + OK + ',"cancelStatus":{"status":"cancelled","cancelledOrders":[{"order_id":"a"}]}}',
    )
    uid = "179f9af8-e45e-469d-b3e9-2fd4675cb7d0"
    assert records(ft.cancel_orders(client, [uid, "my-id"]))[1]["status"] == "cancelled"
    bodies = [r.content.decode() for r in router.requests if r.url.path.endswith("cancelorder")]
    assert bodies == [f"order_id={uid}", "cliOrdId=my-id"]
    assert ft.edit_order(client, AmendRequest(uid, price="61000")).status == "edited"
    assert ft.cancel_all(client, "btcusd").to_record() == {
        "symbol": "PF_XBTUSD",
        "status": "cancelled",
        "count": 1,
        "order_ids": ["a"],
    }


def test_cancel_unknown_is_order_error(client: FuturesRest, router: Router) -> None:
    router.add(f"{V3}/cancelorder", "{" + OK + ',"cancelStatus":{"status":"notFound"}}')
    with pytest.raises(OrderError, match="notFound"):
        ft.cancel_orders(client, ["nope"])


def test_spot_credentials_never_reach_futures_host() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="{" + OK + ',"accounts":{}}')

    spot = Credentials(key="SPOT-KEY-abcdef", secret="c3BvdHNlY3JldA==")
    settings = Settings(endpoints=Endpoints(futures_url="https://f.test"), spot=spot)
    with pytest.raises(AuthError):  # spot key present, futures key absent: refuse, send nothing
        futures_client(settings).accounts()
    assert seen == []
    both = Settings(endpoints=settings.endpoints, spot=spot, futures=CREDS)
    fc = futures_client(both, transport=httpx.MockTransport(record))
    fc.accounts()
    req = seen[0]
    assert req.url.host == "f.test" and req.headers["APIKey"] == CREDS.key
    assert "SPOT-KEY" not in str(req.headers) + req.url.query.decode()


def test_verify_futures_rows(client: FuturesRest, router: Router) -> None:
    _instruments(router)
    router.add(f"{V3}/accounts", sample_text("futures-rest-accounts.json"))
    router.add(f"{V3}/openorders", sample_text("futures-rest-openorders.json"))
    router.add(f"{V3}/openpositions", sample_text("futures-rest-openpositions.json"))
    router.add(f"{V3}/cancelorder", "{" + OK + ',"cancelStatus":{"status":"notFound"}}')
    settings = Settings(futures=CREDS)
    rows = records(verify_futures(settings, client=client))
    checks = {r["check"]: r for r in rows}
    assert checks["futures connectivity"]["ok"]
    assert checks["futures key accepted"]["ok"]
    assert checks["futures permission: trade"]["ok"]
    # The fixture's serverTime is years before the fake wall clock: skew fails loudly.
    assert not checks["futures clock skew"]["ok"]


def test_verify_futures_bad_key(client: FuturesRest, router: Router) -> None:
    _instruments(router)
    router.add(f"{V3}/accounts", '{"result":"error","error":"authenticationError"}')
    rows = records(verify_futures(Settings(futures=CREDS), client=client))
    assert rows[-1]["check"] == "futures key accepted" and rows[-1]["ok"] is False


def test_verify_futures_without_key() -> None:
    rows = records(verify_futures(Settings()))
    assert rows == [
        {
            "check": "futures key",
            "ok": False,
            "detail": "no futures key: set KRAKEN_FUTURES_API_KEY / KRAKEN_FUTURES_API_SECRET",
            "warning": False,
            "required": True,
        }
    ]
