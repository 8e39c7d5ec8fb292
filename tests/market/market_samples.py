"""Real Kraken sample bodies (plus BTC/USDT derived from them) and a handler serving them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.models.segment import Market
from kraken_cli.services.market.spot import SpotMarketData
from kraken_cli.services.market.symbols import SymbolResolver

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def asset_pairs_body() -> dict[str, Any]:
    """The real AssetPairs sample plus BTC/USDT (key XBTUSDT) derived from its XXBTZUSD entry."""
    body = copy.deepcopy(sample("rest-public-AssetPairs.json"))
    pairs = body["result"]
    pairs["XBTUSDT"] = dict(pairs["XXBTZUSD"], altname="XBTUSDT", wsname="XBT/USDT", quote="USDT")
    return dict(body)


def assets_body() -> dict[str, Any]:
    """The real Assets sample plus USDT, EUR and ACA (the pairs above reference them)."""
    body = copy.deepcopy(sample("rest-public-Assets.json"))
    assets = body["result"]
    usd = assets["ZUSD"]
    assets["USDT"] = dict(usd, altname="USDT", decimals=8)
    assets["ZEUR"] = dict(usd, altname="EUR")
    assets["ACA"] = dict(assets["SOL"], altname="ACA")
    return dict(body)


def ticker_body(pairs: list[str]) -> dict[str, Any]:
    """Ticker entries for XBTUSDT (live sample) and XBTUSD (docs sample), keyed like Kraken."""
    live = sample("rest-public-Ticker.json")["result"]["XBTUSDT"]
    docs = sample("rest-public-Ticker-docs-example.json")["result"]["XXBTZUSD"]
    table = {"XBTUSDT": ("XBTUSDT", live), "XBTUSD": ("XXBTZUSD", docs)}
    result = {table[p][0]: table[p][1] for p in pairs if p in table}
    if not result:
        return {"error": ["EQuery:Unknown asset pair"]}
    return {"error": [], "result": result}


def body_for(path: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """Return the sample body for a public endpoint request."""
    method = path.rsplit("/", 1)[-1]
    if method == "AssetPairs":
        return asset_pairs_body()
    if method == "Assets":
        return assets_body()
    if method == "Ticker":
        return ticker_body(query.get("pair", [""])[0].split(","))
    files = {
        "Time": "rest-public-Time.json",
        "SystemStatus": "rest-public-SystemStatus.json",
        "Depth": "rest-public-Depth.json",
        "Trades": "rest-public-Trades-pair-BTC-USD.json",
        "OHLC": "rest-public-OHLC-pair-BTC-USD.json",
        "Spread": "rest-public-Spread.json",
    }
    if method in files:
        return dict(sample(files[method]))
    return {"error": ["EGeneral:Unknown method"]}


class SampleHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        payload = json.dumps(body_for(url.path, parse_qs(url.query))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


#: Just after the last rows of the real OHLC/Trades samples (2026-09-25).
NOW = 1790359900.0
Handler = Callable[[httpx.Request], httpx.Response]


def sample_handler(request: httpx.Request) -> httpx.Response:
    """Answer a public spot request with its sample body."""
    query = parse_qs(request.url.query.decode())
    return httpx.Response(200, content=json.dumps(body_for(request.url.path, query)).encode())


def mock_spot(
    handler: Handler = sample_handler,
    *,
    cache_dir: Path | None = None,
    wall: float = NOW,
    market: Market = Market.SPOT,
) -> tuple[SpotMarketData, list[httpx.Request]]:
    """Return a spot service over a MockTransport, and the list of requests it makes."""
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    http = KrakenHttp(
        "https://api.kraken.test",
        transport=httpx.MockTransport(recording),
        retry=RetryPolicy(max_attempts=1),
        pacer=PublicPacer(0),
        wall=lambda: wall,
    )
    api = SpotPublic(http)
    resolver = SymbolResolver(
        api, "https://api.kraken.test", cache_dir=cache_dir, wall=lambda: wall
    )
    return SpotMarketData(api, resolver, market=market, wall=lambda: wall), seen
