"""Deterministic futures market of the sandbox: instruments, a minute trade tape, a book.

Everything derives from the seed and the clock: the tape has one trade per minute whose price
is a smooth function of time plus seeded noise, so every endpoint (history, charts, tickers,
book, WS) agrees with every other and with a second run on the same seed.

With a ``live_rate`` the tape after ``started_ms`` is live: slots of ``1000 / live_rate`` ms,
each with one trade or (a quarter of them) two sharing one millisecond, as a taker order
filling two makers does; UUID ``uid`` and a growing ``seq`` like Kraken's. REST ``history``,
``executions``, the WS ``trade`` feed and ``/sandbox/futures/tape`` read this one tape (charts
and tickers keep the minute samples).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import islice, takewhile
from typing import Any


@dataclass(frozen=True)
class Contract:
    """One emulated futures contract."""

    symbol: str
    base: str
    type: str
    price: Decimal
    tick: Decimal
    precision: int
    expiry: str | None = None

    def instrument(self) -> dict[str, Any]:
        """Return the ``instruments[]`` object (shape of the live sample)."""
        body: dict[str, Any] = {
            "symbol": self.symbol,
            "type": self.type,
            # the live list sends an integral tick as an integer (``"tickSize":1``)
            "tickSize": int(self.tick) if self.tick == int(self.tick) else self.tick,
            "contractSize": 1,
            "tradeable": True,
            "impactMidSize": Decimal("0.08"),
            "maxPositionSize": Decimal("1200.0"),
            "openingDate": "2022-03-22T13:15:36Z",
            "marginLevels": [
                {
                    "numNonContractUnits": Decimal("0.0"),
                    "initialMargin": Decimal("0.02"),
                    "maintenanceMargin": Decimal("0.01"),
                },
            ],
            "fundingRateCoefficient": 8,
            "maxRelativeFundingRate": Decimal("0.005"),
            "contractValueTradePrecision": self.precision,
            "postOnly": False,
            "mtf": True,
            "base": self.base,
            "quote": "USD",
            "pair": f"{self.base}:USD",
            "tradfi": False,
            "isExpired": False,
            "category": CATEGORIES.get(self.base, "Layer 1"),
            "feeScheduleUid": FEE_SCHEDULES[0 if self.type == "flexible_futures" else 2][0],
        }
        if self.expiry:
            body["lastTradingTime"] = self.expiry
        if self.type == "futures_inverse":
            body["underlying"] = "rr_" + self.symbol[3:].lower()
        return body


#: Kraken's instrument categories (``category``) for the emulated bases.
CATEGORIES = {"BTC": "Layer 1", "XBT": "Layer 1", "ETH": "Layer 1", "DOGE": "Meme"}
#: (uid, name) of the fee schedules of the live ``feeschedules`` sample; tiers are shared.
FEE_SCHEDULES = (
    ("723888f7-0a8e-4183-8648-f920a22339e3", "MTF Linear Rebate Fees"),
    ("97ae0cc8-2964-43ea-91e9-d8e720b02b19", "Linear Multi-Collateral Rebate Fees"),
    ("a6cbc326-9477-4a6c-911a-d4cb3ed7481e", "Inverse Single-Collateral Rebate Fees"),
)
#: (makerFee, takerFee, usdVolume) per tier, in percent.
FEE_TIERS = (
    (Decimal("0.02"), Decimal("0.05"), Decimal("0.0")),
    (Decimal("0.0175"), Decimal("0.045"), Decimal("5000000.0")),
)

CONTRACTS = (
    Contract("PF_XBTUSD", "BTC", "flexible_futures", Decimal(84000), Decimal(1), 4),
    Contract("PF_ETHUSD", "ETH", "flexible_futures", Decimal("3200.0"), Decimal("0.1"), 3),
    Contract("PF_DOGEUSD", "DOGE", "flexible_futures", Decimal("0.15"), Decimal("0.00001"), 0),
    Contract("PI_XBTUSD", "XBT", "futures_inverse", Decimal(84000), Decimal("0.5"), 0),
    Contract(
        "FF_XBTUSD_261225",
        "BTC",
        "flexible_futures",
        Decimal(85000),
        Decimal(1),
        4,
        "2026-12-25T08:00:00Z",
    ),
)
BY_SYMBOL = {c.symbol: c for c in CONTRACTS}
RESOLUTIONS = {
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "4h": 14400,
    "12h": 43200,
    "1d": 86400,
    "1w": 604800,
}
#: ``seq`` of the first live trade: above every minute-tape ``seq`` (unix minutes).
LIVE_SEQ = 1_000_000_000
#: Minute samples a charts page may scan; bigger ranges page with ``more_candles``.
MAX_PAGE_MINUTES = 20_000
MAX_PAGE_CANDLES = 2000


def unit(seed: int, *parts: object) -> float:
    """Return a deterministic float in [0, 1) for (seed, parts)."""
    text = ":".join(str(p) for p in (seed, *parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2**64


def quantize(value: float | Decimal, step: Decimal) -> Decimal:
    """Round to a multiple of ``step``, keeping the step's exponent."""
    return (Decimal(str(value)) / step).quantize(Decimal(1), ROUND_HALF_EVEN) * step


@dataclass(frozen=True)
class Trade:
    """One tape trade: minute index ``m`` is at ``time_ms`` within that minute."""

    seq: int
    time_ms: int
    price: Decimal
    size: Decimal
    side: str
    uid: str


class FuturesMarket:
    """The seeded futures market: prices and trades as pure functions of time."""

    def __init__(self, seed: int = 1, *, started_ms: int = 0, live_rate: float = 0.0) -> None:
        self.seed = seed
        self.started_ms = started_ms
        self.live_rate = live_rate
        self.slot_ms = max(1, round(1000 / live_rate)) if live_rate > 0 else 0

    def price_at(self, contract: Contract, minute: int) -> Decimal:
        """Return the trade price of ``minute`` (unix minutes)."""
        phase = unit(self.seed, contract.symbol, "phase") * 2 * math.pi
        drift = 0.03 * math.sin(2 * math.pi * minute / 4320 + phase)
        wiggle = 0.006 * math.sin(2 * math.pi * minute / 300 + 2 * phase)
        noise = 0.002 * (unit(self.seed, contract.symbol, minute) - 0.5)
        value = float(contract.price) * math.exp(drift + wiggle + noise)
        return quantize(value, contract.tick)

    def trade(self, contract: Contract, minute: int) -> Trade:
        """Return the tape trade of ``minute``."""
        u = unit(self.seed, contract.symbol, minute, "t")
        step = Decimal(1).scaleb(-contract.precision)
        size = quantize(Decimal(str(0.0001 + u * 0.5)) * (Decimal(1) / step), Decimal(1)) * step
        size = max(size, step)
        return Trade(
            seq=minute,
            time_ms=minute * 60_000 + int(u * 59_000),
            price=self.price_at(contract, minute),
            size=size,
            side="buy" if unit(self.seed, contract.symbol, minute, "s") < 0.5 else "sell",
            uid=f"{unit(self.seed, contract.symbol, minute, 'u'):.16f}"[2:18].rjust(16, "0"),
        )

    def trades_before(self, contract: Contract, before_ms: int, count: int = 100) -> list[Trade]:
        """Return up to ``count`` trades strictly before ``before_ms``, newest first."""
        return list(islice(self._newest_first(contract, before_ms), count))

    def trades_between(self, contract: Contract, after_ms: int, upto_ms: int) -> list[Trade]:
        """Return the trades with ``after_ms < time <= upto_ms``, oldest first."""
        newer = self._newest_first(contract, upto_ms + 1)
        return list(reversed(list(takewhile(lambda t: t.time_ms > after_ms, newer))))

    def _newest_first(self, contract: Contract, before_ms: int) -> Iterator[Trade]:
        """Yield the tape's trades before ``before_ms``, newest first, without end."""
        if self.slot_ms and before_ms > self.started_ms:
            slot = (before_ms - 1 - self.started_ms) // self.slot_ms
            for n in range(slot, -1, -1):
                for t in reversed(self.live_slot(contract, n)):
                    if t.time_ms < before_ms:
                        yield t
            before_ms = self.started_ms
        minute = before_ms // 60_000
        while True:
            t = self.trade(contract, minute)
            if t.time_ms < before_ms:
                yield t
            minute -= 1

    def live_slot(self, contract: Contract, slot: int) -> list[Trade]:
        """Return the trades of one live slot (one, or two in one millisecond), oldest first."""
        start = self.started_ms + slot * self.slot_ms
        u = unit(self.seed, contract.symbol, "live", slot)
        time_ms = start + int(u * self.slot_ms)
        step = Decimal(1).scaleb(-contract.precision)
        price = self.price_at(contract, time_ms // 60_000)
        out = []
        for k in range(2 if u < 0.25 else 1):
            v = unit(self.seed, contract.symbol, "live", slot, k)
            size = max(step, quantize(Decimal(str(v * 0.3)), step))
            digest = hashlib.blake2b(f"{self.seed}:{contract.symbol}:{slot}:{k}".encode(),
                                     digest_size=16).digest()  # fmt: skip
            out.append(
                Trade(
                    seq=LIVE_SEQ + 2 * slot + k,
                    time_ms=time_ms,
                    price=price + contract.tick * k,
                    size=size,
                    side="buy" if v < 0.5 else "sell",
                    uid=str(uuid.UUID(bytes=digest, version=4)),
                )
            )
        return out

    def candles(
        self, contract: Contract, resolution_s: int, frm: int, to: int, now_s: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """Return (candles, more) for opens in [frm, to] (seconds), not after ``now_s``."""
        start = frm - frm % resolution_s
        end = min(to, now_s)
        per_page = max(1, min(MAX_PAGE_CANDLES, MAX_PAGE_MINUTES * 60 // resolution_s))
        opens = list(range(start, end + 1, resolution_s))
        page, more = opens[:per_page], len(opens) > per_page
        out = []
        for t in page:
            last_minute = min(t + resolution_s, now_s) // 60
            trades = [self.trade(contract, m) for m in range(t // 60, last_minute)]
            if not trades:
                continue
            prices = [tr.price for tr in trades]
            volume = sum((tr.size for tr in trades), Decimal(0))
            out.append(
                {
                    "time": t * 1000,
                    "open": str(prices[0]),
                    "high": str(max(prices)),
                    "low": str(min(prices)),
                    "close": str(prices[-1]),
                    "volume": str(volume),
                }
            )
        return out, more

    def book(
        self, contract: Contract, now_ms: int, depth: int = 25
    ) -> dict[str, list[list[Decimal]]]:
        """Return the book around the current price: ``depth`` levels per side."""
        minute = now_ms // 60_000
        mid = self.price_at(contract, minute)
        step = Decimal(1).scaleb(-contract.precision)
        bids: list[list[Decimal]] = []
        asks: list[list[Decimal]] = []
        for i in range(depth):
            for side, sign, out in (("b", -1, bids), ("a", 1, asks)):
                price = mid + sign * contract.tick * (i + 1)
                u = unit(self.seed, contract.symbol, minute, side, i)
                qty = max(step, quantize(Decimal(str(u * 3)), step))
                out.append([price, qty])
        return {"bids": bids, "asks": asks}


_RAW = re.compile(r'"@@([-0-9.Ee+]+)@@"')


def double_text(value: Decimal) -> str:
    """Render a Decimal as the futures wire writes a double: ``83998.0``, ``0.0273``."""
    text = format(value, "f")
    return text if "." in text else text + ".0"


def dumps(payload: Any) -> str:
    """Serialise with Decimals as bare JSON doubles (the futures wire sends ``83998.0``)."""

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"@@{double_text(value)}@@"
        raise TypeError(type(value).__name__)

    return _RAW.sub(r"\1", json.dumps(payload, default=default, separators=(",", ":")))
