"""The market cassettes: where they live, what each one records, how vcrpy matches them.

The tests replay them (``make_vcr("none")``); ``scripts/record_cassettes.py`` records them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "market"

#: Scenario name -> krx arguments. The cassette is tests/cassettes/market/<name>.yaml.
SCENARIOS: dict[str, list[str]] = {
    "status": ["--format", "jsonl", "status"],
    "symbols": ["--format", "jsonl", "symbols", "--quote", "USD"],
    "assets": ["--format", "jsonl", "assets"],
    "ticker": ["--format", "jsonl", "ticker", "BTCUSDT", "XBTUSD"],
    "orderbook": ["--format", "json", "orderbook", "BTCUSD", "--depth", "5"],
    "trades": ["--format", "jsonl", "trades", "BTCUSD", "--limit", "3"],
    "candles": ["--format", "jsonl", "candles", "BTCUSD", "h1"],
    "unknown_symbol": ["--format", "jsonl", "ticker", "BTCUSDX"],
}

VCR_OPTIONS: dict[str, Any] = {
    "filter_headers": ["API-Key", "API-Sign"],
    "filter_post_data_parameters": ["nonce", "otp"],
    "match_on": ["method", "scheme", "host", "port", "path", "query"],
    "decode_compressed_response": True,
}


def make_vcr(record_mode: str) -> Any:
    """Return the VCR instance the recorder and the tests share (no body matching)."""
    import vcr

    return vcr.VCR(record_mode=record_mode, **VCR_OPTIONS)
