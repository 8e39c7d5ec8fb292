"""What the futures emulator keeps (market, keys, nonces, one account) and its ticker rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY, SANDBOX_FUTURES_SECRET
from kraken_cli.models.futures import iso_ms
from kraken_cli.sandbox.futures.market import Contract, FuturesMarket
from kraken_cli.sandbox.futures.trading import Account


@dataclass
class FuturesState:
    """Everything the futures emulator keeps: market, keys, nonces, one account."""

    market: FuturesMarket
    api_key: str = SANDBOX_FUTURES_KEY
    api_secret: str = SANDBOX_FUTURES_SECRET
    clock_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    account: Account = field(default_factory=Account)
    last_nonce: int = 0
    seen_nonces: set[int] = field(default_factory=set)
    #: WS fault: skip one book ``seq`` every N deltas (0 = never).
    book_gap_every: int = 0
    #: WS pacing (seconds between published updates).
    ws_interval: float = 0.2

    @classmethod
    def from_seed(cls, seed: int = 1, **kwargs: Any) -> FuturesState:
        """Build the state for a seed."""
        return cls(market=FuturesMarket(seed), **kwargs)

    def server_time(self) -> str:
        """Return ``serverTime`` (ISO-8601 ms, UTC)."""
        return iso_ms(self.clock_ms())


def ticker(state: FuturesState, c: Contract, now_ms: int) -> dict[str, Any]:
    """Return one ``tickers[]`` row."""
    market, minute = state.market, now_ms // 60_000
    book = market.book(c, now_ms, 1)
    last = market.trade(c, minute - 1)
    day = [market.trade(c, m) for m in range(minute - 1440, minute, 15)]
    return {
        "tag": "perpetual" if c.symbol.startswith("P") else "quarter",
        "pair": f"{'XBT' if c.base == 'BTC' else c.base}:USD",
        "symbol": c.symbol,
        "markPrice": last.price,
        "bid": book["bids"][0][0],
        "bidSize": book["bids"][0][1],
        "ask": book["asks"][0][0],
        "askSize": book["asks"][0][1],
        "vol24h": sum((t.size for t in day), Decimal(0)) * 15,
        "openInterest": Decimal("2189.7813"),
        "open24h": day[0].price,
        "indexPrice": last.price,
        "last": last.price,
        "lastTime": iso_ms(last.time_ms),
        "lastSize": last.size,
        "suspended": False,
        "fundingRate": Decimal("0.912482213835"),
        "fundingRatePrediction": Decimal("1.3232500286425"),
        "postOnly": False,
        "change24h": Decimal("-0.22"),
    }
