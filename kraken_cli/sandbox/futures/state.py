"""What the futures emulator keeps (market, keys, nonces, one account) and its ticker rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY, SANDBOX_FUTURES_SECRET
from kraken_cli.models.futures import iso_ms, ms_from_iso
from kraken_cli.sandbox.faults import Faults
from kraken_cli.sandbox.futures.market import Contract, FuturesMarket, unit
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

    #: The sandbox's faults (``drop_every``, ``drop_random`` cut futures WS connections too).
    faults: Faults | None = None

    @classmethod
    def from_seed(
        cls, seed: int = 1, *, started_ms: int = 0, live_rate: float = 0.0, **kwargs: Any
    ) -> FuturesState:
        """Build the state for a seed (``live_rate``: live trades/s per contract after
        ``started_ms``; 0 keeps the one-a-minute tape)."""
        return cls(market=FuturesMarket(seed, started_ms=started_ms, live_rate=live_rate), **kwargs)

    def server_time(self) -> str:
        """Return ``serverTime`` (ISO-8601 ms, UTC)."""
        return iso_ms(self.clock_ms())


#: Funding is paid hourly on Kraken's perpetuals; ``relativeFundingRate`` is per hour.
FUNDING_PERIOD_MS = 3_600_000


def funding(state: FuturesState, c: Contract, hour: int) -> tuple[Decimal, Decimal]:
    """Return (``fundingRate`` in USD per contract, ``relativeFundingRate``) of ``hour``."""
    price = state.market.price_at(c, hour * 60)
    u = unit(state.market.seed, c.symbol, hour, "funding")
    relative = (Decimal(str(round(u - 0.35, 6))) * Decimal("0.00004")).quantize(
        Decimal("0.000000000001")
    )
    return (relative * price).quantize(Decimal("0.000000000001")), relative


def ticker(state: FuturesState, c: Contract, now_ms: int) -> dict[str, Any]:
    """Return one ``tickers[]`` row (REST); :func:`ws_ticker` is the WS ``ticker`` frame."""
    market, minute = state.market, now_ms // 60_000
    book = market.book(c, now_ms, 1)
    last = market.trade(c, minute - 1)
    day = [market.trade(c, m) for m in range(minute - 1440, minute, 15)]
    perpetual = c.expiry is None
    row: dict[str, Any] = {
        "tag": "perpetual" if perpetual else "quarter",
        "pair": f"{'XBT' if c.base == 'BTC' else c.base}:USD",
        "symbol": c.symbol,
        "markPrice": last.price,
        "bid": book["bids"][0][0],
        "bidSize": book["bids"][0][1],
        "ask": book["asks"][0][0],
        "askSize": book["asks"][0][1],
        "vol24h": sum((t.size for t in day), Decimal(0)) * 15,
        "volumeQuote": (sum((t.size * t.price for t in day), Decimal(0)) * 15).quantize(
            Decimal("0.001")
        ),
        "openInterest": Decimal("2189.7813"),
        "open24h": day[0].price,
        "indexPrice": last.price,
        "last": last.price,
        "lastTime": iso_ms(last.time_ms),
        "lastSize": last.size,
        "suspended": False,
        "postOnly": False,
        "change24h": ((last.price - day[0].price) / day[0].price * 100).quantize(Decimal("0.01")),
    }
    if perpetual:
        hour = now_ms // FUNDING_PERIOD_MS
        row["fundingRate"], _ = funding(state, c, hour - 1)
        row["fundingRatePrediction"], _ = funding(state, c, hour)
    return row


def ws_ticker(state: FuturesState, c: Contract, now_ms: int) -> dict[str, Any]:
    """Return the full WS ``ticker`` frame (fields of the live ``FuturesTicker`` sample)."""
    row = ticker(state, c, now_ms)
    hour = now_ms // FUNDING_PERIOD_MS
    perpetual = c.expiry is None
    frame: dict[str, Any] = {"time": now_ms, "product_id": c.symbol}
    if perpetual:
        rate, relative = funding(state, c, hour - 1)
        prediction, relative_prediction = funding(state, c, hour)
        frame |= {
            "funding_rate": rate,
            "funding_rate_prediction": prediction,
            "relative_funding_rate": relative,
            "relative_funding_rate_prediction": relative_prediction,
            "next_funding_rate_time": (hour + 1) * FUNDING_PERIOD_MS,
        }
    maturity = ms_from_iso(c.expiry) if c.expiry else 0
    frame |= {
        "leverage": "50x",
        "premium": ((row["markPrice"] - row["indexPrice"]) / row["indexPrice"] * 100).quantize(
            Decimal("0.1")
        ),
        "feed": "ticker",
        "bid": row["bid"],
        "ask": row["ask"],
        "bid_size": row["bidSize"],
        "ask_size": row["askSize"],
        "volume": row["vol24h"],
        "dtm": max(0, (maturity - now_ms) // 86_400_000) if maturity else 0,
        "index": row["indexPrice"],
        "last": row["last"],
        "change": row["change24h"],
        "suspended": False,
        "tag": row["tag"],
        "pair": row["pair"],
        "openInterest": row["openInterest"],
        "markPrice": row["markPrice"],
        "maturityTime": maturity,
        "post_only": False,
        "volumeQuote": row["volumeQuote"],
    }
    return frame
