"""Charts paging on more_candles, h2/month aggregation, history paging by lastTime."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx
import pytest

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.errors import BadIntervalError
from kraken_cli.services.market import Window
from kraken_cli.services.market.charts import chart_plan
from kraken_cli.services.market.futures import FuturesMarketData
from tests.futures.helpers import Router, sample_text

H = 3600


def _candle(
    t: int, o: str = "10", h: str = "12", lo: str = "9", c: str = "11"
) -> dict[str, object]:
    return {"time": t * 1000, "open": o, "high": h, "low": lo, "close": c, "volume": "1.5"}


def test_candles_follow_more_candles(client: FuturesRest, router: Router) -> None:
    start = 1_790_265_600  # a whole hour

    def charts(request: httpx.Request) -> httpx.Response:
        q = parse_qs(request.url.query.decode())
        frm, to = int(q["from"][0]), int(q["to"][0])
        times = list(range(frm, to, H))
        page, more = times[:2], len(times) > 2
        body = {"candles": [_candle(t) for t in page], "more_candles": more}
        return httpx.Response(200, text=json.dumps(body))

    router.add("/api/charts/v1/trade/PF_XBTUSD/1h", charts)
    since = datetime.fromtimestamp(start, UTC)
    until = datetime.fromtimestamp(start + 5 * H, UTC)
    md = FuturesMarketData(client)
    rows = [c.to_record() for c in md.candles("PF_XBTUSD", "1h", Window(since, until))]
    assert len(rows) == 5 and len(router.requests) == 3
    assert rows[-1]["time"] == "2026-09-24T20:00:00Z"


def test_h2_aggregated_from_1h(client: FuturesRest, router: Router) -> None:
    start = 1_790_265_600  # 16:00 UTC, an even hour
    hours = [
        _candle(start, "10", "12", "9", "11"),
        _candle(start + H, "11", "15", "8", "14"),
        _candle(start + 2 * H, "14", "14", "13", "13"),
    ]
    router.add(
        "/api/charts/v1/mark/PF_XBTUSD/1h",
        json.dumps({"candles": hours, "more_candles": False}),
    )
    window = Window(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + 4 * H, UTC))
    md = FuturesMarketData(client)
    rows = [c.to_record() for c in md.candles("PF_XBTUSD", "h2", window, tick_type="mark")]
    assert rows[0]["time"] == "2026-09-24T16:00:00Z"
    assert (rows[0]["open"], rows[0]["high"], rows[0]["low"], rows[0]["close"]) == (
        "10",
        "15",
        "8",
        "14",
    )
    assert rows[0]["volume"] == "3.0" and rows[1]["open"] == "14"


def test_month_plan_and_unsupported_interval() -> None:
    assert chart_plan("month")[1:] == ("1d", True)
    assert chart_plan("day")[1:] == ("1d", False)
    with pytest.raises(BadIntervalError):
        chart_plan("21600")


def test_trades_page_back_to_since(client: FuturesRest, router: Router) -> None:
    router.add("/derivatives/api/v3/instruments", sample_text("futures-rest-instruments.json"))
    base = datetime(2026, 1, 1, tzinfo=UTC).timestamp()

    def history(request: httpx.Request) -> httpx.Response:
        q = parse_qs(request.url.query.decode())
        if "lastTime" in q:
            end = datetime.fromisoformat(q["lastTime"][0].replace("Z", "+00:00")).timestamp()
        else:
            end = base + 100
        rows = [
            {
                "time": datetime.fromtimestamp(end - i - 1, UTC).isoformat()[:19] + ".000Z",
                "trade_id": int(end - i - 1 - base),
                "price": 100.5,
                "size": 1,
                "side": "buy",
                "type": "fill",
                "uid": f"u{int(end - i - 1)}",
            }
            for i in range(10)
        ]
        return httpx.Response(200, text=json.dumps({"result": "success", "history": rows}))

    router.add("/derivatives/api/v3/history", history)
    since = datetime.fromtimestamp(base + 75, UTC)
    md = FuturesMarketData(client)
    rows = [t.to_record() for t in md.trades("BTCUSD", Window(since))]
    assert [r["trade_id"] for r in rows] == list(range(75, 100))
    assert rows[0]["price"] == "100.5"
