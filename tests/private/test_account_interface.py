"""Account and trading interfaces: spot and futures answer the same calls, same records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Credentials, Settings
from kraken_cli.errors import UsageError
from kraken_cli.models.account import Balance, Fill, Order, Record
from kraken_cli.models.margin import MarginSummary, Position
from kraken_cli.models.segment import Market
from kraken_cli.models.trading import AmendRequest, OrderRequest
from kraken_cli.output import columns
from kraken_cli.output.cells import plain
from kraken_cli.services.account import Account, Window, open_account
from kraken_cli.services.account.futures import FuturesAccount
from kraken_cli.services.account.spot import SpotAccount
from kraken_cli.services.trading import open_trading
from kraken_cli.services.trading.futures import FuturesTrading
from kraken_cli.services.trading.spot import SpotTrading
from tests.futures.helpers import CREDS, Router, sample, sample_text

V3 = "/derivatives/api/v3"
SPOT_SAMPLES = {
    "BalanceEx": {"XXBT": {"balance": "1.5", "hold_trade": "0.5"}, "ZUSD": {"balance": "10"}},
    "TradeBalance": sample("rest-private-TradeBalance.json")["result"],
    "OpenOrders": sample("rest-private-OpenOrders.json")["result"],
    "TradesHistory": sample("rest-private-TradesHistory.json")["result"],
    "OpenPositions": sample("rest-private-OpenPositions.json")["result"],
}


class FakeSpot:
    """Stands in for SpotPrivate: answers each method from a real sample."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def call(self, method: str, data: Any = None, *, idempotent: bool) -> Any:
        self.calls.append(method)
        return self.answers[method]

    def close(self) -> None:
        pass


def _futures_account() -> FuturesAccount:
    router = Router()
    for endpoint, name in (
        ("accounts", "futures-rest-accounts.json"),
        ("openorders", "futures-rest-openorders.json"),
        ("openpositions", "futures-rest-openpositions.json"),
    ):
        router.add(f"{V3}/{endpoint}", sample_text(name))
    fills = [
        {"fill_id": f"f{i}", "order_id": "o", "symbol": "pf_xbtusd", "side": "buy",
         "size": 1, "price": "60000.5", "fillTime": "2026-01-01T00:00:00.000Z",
         "fillType": "maker", "cliOrdId": None}
        for i in range(5)
    ]  # fmt: skip
    router.add(f"{V3}/fills", json.dumps({"result": "success", "fills": fills}))
    return FuturesAccount(
        FuturesRest("https://f.test", CREDS, transport=httpx.MockTransport(router))
    )


@pytest.fixture(params=["spot", "futures"])
def account(request: pytest.FixtureRequest) -> Account:
    if request.param == "spot":
        return SpotAccount(FakeSpot(SPOT_SAMPLES))  # type: ignore[arg-type]
    return _futures_account()


def _check(rows: Sequence[Record], kind: type, columns: Sequence[str] | None) -> None:
    """Every row is the shared record type and renders exactly (no float anywhere)."""
    assert rows and all(isinstance(row, kind) for row in rows)
    for row in rows:
        record = row.to_record()
        assert not any(isinstance(value, float) for value in record.values())
        json.dumps(plain(record))
        # The table's leading columns are fields of the record (a spot-only column may be absent).
        assert len(set(columns or ()) - set(record)) <= 1


def test_same_calls_same_records(account: Account) -> None:
    _check(account.balances(), Balance, columns.ACCOUNT[account.records.balance.KIND])
    _check(account.open_orders(), Order, columns.ORDER)
    _check(account.trades(Window(limit=2)), Fill, columns.ACCOUNT[account.records.fill.KIND])
    _check(account.positions(), Position, None)
    _check(account.trade_balance(), MarginSummary, None)


def test_limit_is_the_service_rule(account: Account) -> None:
    assert len(account.trades(Window(limit=1))) == 1


def test_open_orders_filter_by_client_id(account: Account) -> None:
    assert account.open_orders("no-such-client-id") == []


def test_futures_refuses_what_it_lacks() -> None:
    futures = _futures_account()
    for call in (futures.closed_orders, futures.ledger):
        with pytest.raises(UsageError, match="no futures variant"):
            call()
    with pytest.raises(UsageError, match="--consolidate"):
        futures.positions(consolidate=True)


def test_spot_balance_is_exact() -> None:
    (btc, usd) = SpotAccount(FakeSpot(SPOT_SAMPLES)).balances()  # type: ignore[arg-type]
    assert btc.to_record() == {
        "asset": "BTC", "balance": btc.balance, "hold": btc.hold, "available": btc.available,
        "asset_id": "XXBT",
    }  # fmt: skip
    assert str(btc.available) == "1.0" and str(usd.hold) == "0"


def test_margin_segment_views() -> None:
    api = FakeSpot(SPOT_SAMPLES)
    margin = SpotAccount(api, margin=True)  # type: ignore[arg-type]
    (summary,) = margin.trade_balance()
    assert "margin_used" in summary.to_record()
    (spot_summary,) = SpotAccount(api).trade_balance()  # type: ignore[arg-type]
    assert "margin" in spot_summary.to_record()
    assert "pnl" in margin.positions()[0].to_record()
    assert "net" in SpotAccount(api).positions()[0].to_record()  # type: ignore[arg-type]


def test_factories_pick_the_implementation() -> None:
    settings = Settings(futures=CREDS, spot=Credentials("k", "c2VjcmV0"))
    with open_account(settings, Market.FUTURES) as futures:
        assert isinstance(futures, FuturesAccount) and futures.market is Market.FUTURES
    with open_trading(settings, Market.FUTURES) as trading:
        assert isinstance(trading, FuturesTrading)
    with open_trading(settings, Market.MARGIN) as trading:
        assert isinstance(trading, SpotTrading) and trading.market is Market.MARGIN


@pytest.mark.parametrize("market", list(Market))
def test_segment_options_are_refused_before_any_network(market: Market) -> None:
    # No server exists at these addresses: a request would fail with a network error, not 2.
    settings = Settings(futures=CREDS, spot=Credentials("k", "c2VjcmV0"))
    foreign = (
        OrderRequest("buy", "1", leverage="2", symbol="X")
        if market is Market.FUTURES
        else OrderRequest("buy", "1", trigger_price="5", symbol="X", leverage="2")
    )
    with open_trading(settings, market) as trading, pytest.raises(UsageError):
        trading.prepare(foreign)


def _spot_trading() -> tuple[SpotTrading, FakeSpot]:
    api = FakeSpot(
        {
            "AmendOrder": {"amend_id": "A1"},
            "CancelOrder": {"count": 1, "pending": False},
            "CancelAll": {"count": 3},
        }
    )
    trading = SpotTrading(Settings(spot=Credentials("k", "c2VjcmV0")))
    trading._api = api  # type: ignore[assignment]
    return trading, api


def _futures_trading() -> FuturesTrading:
    router = Router()
    ok = '"result":"success"'
    router.add(f"{V3}/instruments", sample_text("futures-rest-instruments.json"))
    router.add(f"{V3}/editorder", "{" + ok + ',"editStatus":{"status":"edited"}}')
    router.add(f"{V3}/cancelorder", "{" + ok + ',"cancelStatus":{"status":"cancelled"}}')
    router.add(f"{V3}/cancelallorders", "{" + ok + ',"cancelStatus":{"status":"cancelled"}}')
    return FuturesTrading(
        FuturesRest("https://f.test", CREDS, transport=httpx.MockTransport(router))
    )


def test_trading_same_calls_on_both_segments() -> None:
    spot, api = _spot_trading()
    for trading in (spot, _futures_trading()):
        amended = trading.amend(AmendRequest("OAAAAA-BBBBB-CCCCCC", price="50100"))
        assert amended.to_record()["order_id"] == "OAAAAA-BBBBB-CCCCCC"
        (cancelled,) = trading.cancel(["my-id"])
        assert cancelled.to_record()["order_id"] == "my-id"
        assert trading.cancel_all_question().startswith("Cancel ALL open")
        assert trading.cancel_all().to_record()
    assert api.calls == ["AmendOrder", "CancelOrder", "CancelAll"]


def test_cancel_all_symbol_is_a_futures_option() -> None:
    spot, api = _spot_trading()
    with pytest.raises(UsageError, match="futures option"):
        spot.cancel_all_question("BTCUSD")
    assert "of PF_XBTUSD" in _futures_trading().cancel_all_question("PF_XBTUSD")
    assert api.calls == []


@pytest.mark.parametrize("bad", ["nan", "-1", "0", "1e400", "abc"])
def test_amend_numbers_checked_before_sending(bad: str) -> None:
    spot, api = _spot_trading()
    for trading in (spot, _futures_trading()):
        with pytest.raises(UsageError):
            trading.amend(AmendRequest("OAAAAA-BBBBB-CCCCCC", volume=bad))
    assert api.calls == []


def test_futures_trades_honour_the_window() -> None:
    # _futures_account's fills are all at 2026-01-01T00:00:00Z.
    at = 1767225600
    futures = _futures_account()
    assert len(futures.trades(Window(start=at, end=at, limit=3))) == 3
    assert futures.trades(Window(start=at + 1)) == []
    assert futures.trades(Window(end=at - 1)) == []
