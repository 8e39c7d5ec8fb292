"""Rebuild tests/cassettes/futures/*.yaml from the real samples (run by hand, not by pytest).

    python scripts/build_futures_cassettes.py

Each cassette is recorded by vcrpy itself against an httpx MockTransport that serves the sample
bytes unchanged, so the YAML is exactly what vcrpy replays (record_mode="none" in the tests).
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import vcr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kraken_cli.client.futures_rest import FuturesRest  # noqa: E402
from kraken_cli.config.settings import Credentials  # noqa: E402

SAMPLES = ROOT / "tests" / "fixtures" / "samples"
CASSETTES = ROOT / "tests" / "cassettes" / "futures"
BASE = "https://futures.kraken.com"
V3 = "/derivatives/api/v3/"
SERVED = {
    V3 + "instruments": "futures-rest-instruments.json",
    V3 + "tickers": "futures-rest-tickers.json",
    V3 + "orderbook": "futures-rest-orderbook.json",
    V3 + "history": "futures-rest-history.json",
    V3 + "accounts": "futures-rest-accounts.json",
    V3 + "openpositions": "futures-rest-openpositions.json",
    V3 + "openorders": "futures-rest-openorders.json",
    V3 + "sendorder": "futures-rest-sendorder.json",
    "/api/charts/v1/trade/PF_XBTUSD/1h": "futures-charts-candles.json",
}


def serve(request: httpx.Request) -> httpx.Response:
    name = SERVED[request.url.path]
    return httpx.Response(
        200,
        content=(SAMPLES / name).read_bytes(),
        headers={"content-type": "application/json"},
    )


def main() -> None:
    creds = Credentials(key="cassette-key", secret="c2VjcmV0")
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all",
        filter_headers=["APIKey", "Authent", "Nonce"],
    )
    scripts = {
        "instruments": lambda c: c.instruments(),
        "tickers": lambda c: (c.instruments(), c.tickers()),
        "orderbook": lambda c: (c.instruments(), c.orderbook("PF_XBTUSD")),
        "history": lambda c: (c.instruments(), c.history("PF_XBTUSD")),
        "charts": lambda c: c.charts("trade", "PF_XBTUSD", "1h", 1790265600, 1790276400),
        "account": lambda c: (c.accounts(), c.openpositions(), c.openorders()),
        "sendorder": lambda c: c.sendorder({"orderType": "lmt", "symbol": "PF_XBTUSD"}),
    }
    for name, script in scripts.items():
        with recorder.use_cassette(f"{name}.yaml"):
            client = FuturesRest(BASE, creds, transport=httpx.MockTransport(serve))
            script(client)


if __name__ == "__main__":
    main()
