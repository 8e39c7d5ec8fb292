"""End-to-end: the sandbox's spot REST against Kraken's real response shapes."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import httpx
import pytest

from tests.e2e.conftest import SandboxHandle
from tests.sandbox.shapes import assert_shape, err, ok, sample

pytestmark = pytest.mark.e2e


# -- public --------------------------------------------------------------------------------
def test_time_format_and_shape(sandbox: SandboxHandle) -> None:
    result = ok(sandbox.public("Time"))
    assert_shape(result, sample("rest-public-Time.json")["result"])
    assert re.fullmatch(
        r"[A-Z][a-z]{2}, [ 123]\d [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000", result["rfc1123"]
    )
    assert abs(result["unixtime"] - time.time()) < 5


def test_system_status(sandbox: SandboxHandle) -> None:
    assert_shape(
        ok(sandbox.public("SystemStatus")), sample("rest-public-SystemStatus.json")["result"]
    )


def test_assets_and_pairs_shapes(sandbox: SandboxHandle) -> None:
    assets = ok(sandbox.public("Assets"))
    assert set(assets) == {"XXBT", "ZUSD", "USDT", "XETH", "XXDG", "SHIB"}
    real_asset = sample("rest-public-Assets.json")["result"]["XXBT"]
    for value in assets.values():
        assert_shape(value, real_asset)
    assert set(ok(sandbox.public("Assets", asset="XBT,ETH"))) == {"XXBT", "XETH"}
    pairs = ok(sandbox.public("AssetPairs"))
    real_pair = sample("rest-public-AssetPairs.json")["result"]["XXBTZUSD"]
    for value in pairs.values():
        if value["leverage_buy"]:
            assert_shape(value, real_pair)
        else:
            assert_shape(value, sample("rest-public-AssetPairs.json")["result"]["ACAEUR"])
    assert pairs["XXBTZUSD"]["wsname"] == "XBT/USD" and pairs["XXBTZUSD"]["altname"] == "XBTUSD"
    # result key: pair key for key/altname, echo of BASE/QUOTE otherwise (REC26)
    assert list(ok(sandbox.public("AssetPairs", pair="XBTUSD"))) == ["XXBTZUSD"]
    assert list(ok(sandbox.public("AssetPairs", pair="BTC/USD"))) == ["BTC/USD"]
    assert err(sandbox.public("AssetPairs", pair="XBT/USD")) == ["EQuery:Unknown asset pair"]


def test_ticker_shape(sandbox: SandboxHandle) -> None:
    result = ok(sandbox.public("Ticker", pair="XBTUSDT,XBTUSD"))
    assert set(result) == {"XBTUSDT", "XXBTZUSD"}
    for value in result.values():
        assert_shape(value, sample("rest-public-Ticker.json")["result"]["XBTUSDT"])
    assert len(ok(sandbox.public("Ticker"))) == 6


def test_ohlc_shape_and_rules(sandbox: SandboxHandle) -> None:
    result = ok(sandbox.public("OHLC", pair="BTC/USD", interval=60))
    real = sample("rest-public-OHLC-pair-BTC-USD.json")["result"]
    assert_shape(result, real)
    rows = result["BTC/USD"]
    assert len(rows) <= 720
    now = time.time()
    assert rows[-1][0] <= now < rows[-1][0] + 3600  # the forming candle is last
    assert result["last"] == rows[-1][0] - 3600
    one_minute = ok(sandbox.public("OHLC", pair="XXBTZUSD"))["XXBTZUSD"]
    assert len(one_minute) <= 720
    since = one_minute[-5][0] + 30
    tail = ok(sandbox.public("OHLC", pair="XXBTZUSD", since=since))["XXBTZUSD"]
    assert tail[0][0] == one_minute[-5][0]  # the candle containing since comes first


def test_ohlc_agrees_with_tape(sandbox: SandboxHandle) -> None:
    rows = ok(sandbox.public("OHLC", pair="XETHZUSD", interval=60))["XETHZUSD"]
    start, end = rows[-3][0], rows[-3][0] + 3600
    tape = httpx.get(
        f"{sandbox.rest_url}/sandbox/tape",
        params={"pair": "XETHZUSD", "since": start * 10**9 - 1, "until": end * 10**9 - 1},
    ).text.splitlines()
    trades = [json.loads(line) for line in tape]
    prices = [Decimal(t["price"]) for t in trades]
    row = rows[-3]
    assert Decimal(row[1]) == prices[0] and Decimal(row[4]) == prices[-1]
    assert Decimal(row[2]) == max(prices) and Decimal(row[3]) == min(prices)
    assert row[7] == len(trades)
    assert Decimal(row[6]) == sum(Decimal(t["volume"]) for t in trades)


def test_depth_shape_and_count(sandbox: SandboxHandle) -> None:
    result = ok(sandbox.public("Depth", pair="XBTUSD", count=500))["XXBTZUSD"]
    assert len(result["asks"]) == 500 and len(result["bids"]) == 500
    assert_shape(result, sample("rest-public-Depth.json")["result"]["XXBTZUSD"])
    asks = [Decimal(a[0]) for a in result["asks"]]
    bids = [Decimal(b[0]) for b in result["bids"]]
    assert asks == sorted(asks) and bids == sorted(bids, reverse=True) and bids[0] < asks[0]
    assert err(sandbox.public("Depth", pair="XBTUSD", count=501))


def test_trades_shape(sandbox: SandboxHandle) -> None:
    raw = sandbox.public("Trades", pair="XBTUSD", count=5).text
    result = json.loads(raw)["result"]
    assert_shape(result, sample("rest-public-Trades.json")["result"] | {})
    rows = result["XXBTZUSD"]
    assert len(rows) == 5
    for row in rows:
        assert_shape(row, sample("rest-public-Trades-pair-BTC-USD.json")["result"]["BTC/USD"][0])
    # time is a JSON number with 4 decimals on the wire
    assert re.search(r'"[bs]"', raw) and re.search(r",\d{10}\.\d{4},", raw)


def test_trades_paging_matches_tape(sandbox: SandboxHandle) -> None:
    """Walk a day of trades with ``last`` cursors: no gap, no duplicate, same as the tape."""
    first = ok(sandbox.public("Trades", pair="XDGUSD", since=int(time.time()) - 86400, count=700))
    since = first["last"]
    ids = [row[6] for row in first["XDGUSD"]]
    start_ns = int(Decimal(str(first["XDGUSD"][0][2])) * 10**9) - 10**6
    while True:
        page = ok(sandbox.public("Trades", pair="XDGUSD", since=since, count=700))
        if not page["XDGUSD"] or int(page["last"]) > time.time_ns() - 5 * 10**9:
            ids += [row[6] for row in page["XDGUSD"]]
            break
        ids += [row[6] for row in page["XDGUSD"]]
        since = page["last"]
    assert ids == list(range(ids[0], ids[0] + len(ids))), "gap or duplicate"
    tape = httpx.get(
        f"{sandbox.rest_url}/sandbox/tape", params={"pair": "XDGUSD", "since": start_ns}
    ).text.splitlines()
    tape_ids = [json.loads(line)["trade_id"] for line in tape]
    assert tape_ids[: len(ids)] == ids


def test_spread_shape(sandbox: SandboxHandle) -> None:
    result = ok(sandbox.public("Spread", pair="XBTUSD"))
    assert_shape(result, sample("rest-public-Spread.json")["result"])


def test_public_errors(sandbox: SandboxHandle) -> None:
    assert err(sandbox.public("Trades", pair="NOPE")) == ["EQuery:Unknown asset pair"]
    assert err(sandbox.public("Frobnicate")) == ["EGeneral:Unknown method"]
    response = httpx.post(f"{sandbox.rest_url}/0/public/Time")
    assert err(response)[0].startswith("EGeneral:Invalid arguments")
    response = httpx.get(f"{sandbox.rest_url}/0/private/Balance")
    assert err(response)[0].startswith("EGeneral:Invalid arguments")
