"""Public futures endpoints: instruments, tickers, book, trades, funding, fees, status, charts.

Paths are those of ``futures.kraken.com`` (``/derivatives/api/v3/...``, ``/v4/`` for historical
funding rates, ``/api/charts/v1/...``), so clients work with only a base-URL change.
https://docs.kraken.com/api/docs/futures-api/trading/market-data
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from kraken_cli.models.futures import iso_ms, ms_from_iso
from kraken_cli.sandbox.futures.market import (
    BY_SYMBOL,
    CONTRACTS,
    FEE_SCHEDULES,
    FEE_TIERS,
    RESOLUTIONS,
    Contract,
)
from kraken_cli.sandbox.futures.state import FUNDING_PERIOD_MS, FuturesState, funding, ticker

Query = Mapping[str, str]
#: Hours of funding history served (Kraken serves the contract's whole life).
FUNDING_HOURS = 30 * 24
TICK_TYPES = ("trade", "mark", "spot")


class BadSymbol(Exception):
    """An unknown or missing ``symbol`` (Kraken: HTTP 400 ``Argument invalid: symbol``)."""


def _contract(symbol: str | None) -> Contract:
    c = BY_SYMBOL.get((symbol or "").upper())
    if c is None:
        raise BadSymbol(symbol)
    return c


def instruments(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``instruments``."""
    return {"instruments": [c.instrument() for c in CONTRACTS]}


def tickers(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``tickers`` and ``tickers/{symbol}``."""
    now = state.clock_ms()
    if rest:
        return {"ticker": ticker(state, _contract(rest[0]), now)}
    return {"tickers": [ticker(state, c, now) for c in CONTRACTS]}


def orderbook(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``orderbook?symbol=``."""
    return {"orderBook": state.market.book(_contract(q.get("symbol")), state.clock_ms())}


def history(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``history?symbol=&lastTime=``: the 100 trades before ``lastTime``, newest first."""
    c = _contract(q.get("symbol"))
    now = state.clock_ms()
    before = min(ms_from_iso(q["lastTime"]), now) if q.get("lastTime") else now
    rows = [
        {
            "time": iso_ms(t.time_ms),
            "trade_id": t.seq,
            "price": t.price,
            "size": t.size,
            "side": t.side,
            "type": "fill",
            "uid": t.uid,
        }
        for t in state.market.trades_before(c, before)
    ]
    return {"history": rows}


def funding_rates(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``historicalfundingrates?symbol=`` (v3 and v4): hourly rates, oldest first."""
    c = _contract(q.get("symbol"))
    if c.expiry is not None:
        return {"rates": []}
    now_hour = state.clock_ms() // FUNDING_PERIOD_MS
    rates = []
    for hour in range(now_hour - FUNDING_HOURS, now_hour):
        rate, relative = funding(state, c, hour)
        stamp = iso_ms(hour * FUNDING_PERIOD_MS).replace(".000Z", "Z")
        rates.append({"timestamp": stamp, "fundingRate": rate, "relativeFundingRate": relative})
    return {"rates": rates}


def fee_schedules(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``feeschedules``."""
    tiers = [{"makerFee": m, "takerFee": t, "usdVolume": v} for m, t, v in FEE_TIERS]
    return {"feeSchedules": [{"uid": u, "name": n, "tiers": tiers} for u, n in FEE_SCHEDULES]}


def _status(c: Contract) -> dict[str, Any]:
    return {
        "tradeable": c.symbol,
        "experiencingDislocation": False,
        "priceDislocationDirection": None,
        "experiencingExtremeVolatility": False,
        "extremeVolatilityInitialMarginMultiplier": 1,
    }


def instrument_status(state: FuturesState, q: Query, rest: list[str]) -> dict[str, Any]:
    """``instruments/status`` and ``instruments/{symbol}/status``."""
    if rest == ["status"]:
        return {"instrumentStatus": [_status(c) for c in CONTRACTS]}
    if len(rest) == 2 and rest[1] == "status":
        return _status(_contract(rest[0]))
    raise KeyError("/".join(rest))


Handler = Callable[[FuturesState, Query, list[str]], dict[str, Any]]
#: first path segment -> handler (given the remaining segments)
PUBLIC: dict[str, Handler] = {
    "instruments": lambda s, q, rest: (
        instrument_status(s, q, rest) if rest else instruments(s, q, rest)
    ),
    "tickers": tickers,
    "orderbook": orderbook,
    "history": history,
    "historicalfundingrates": funding_rates,
    "feeschedules": fee_schedules,
}


def chart(
    state: FuturesState, tick_type: str, symbol: str, resolution: str, q: Query
) -> tuple[int, dict[str, Any] | str]:
    """``/api/charts/v1/{tick_type}/{symbol}/{resolution}?from&to``: (HTTP status, body)."""
    if tick_type not in TICK_TYPES:
        return 400, "Invalid tick type"
    seconds = RESOLUTIONS.get(resolution)
    if seconds is None:
        return 400, "Invalid resolution"
    c = BY_SYMBOL.get(symbol.upper())
    if c is None:
        return 400, "Invalid symbol"
    now_s = state.clock_ms() // 1000
    try:
        frm = int(q.get("from", now_s - 2000 * seconds))
        to = int(q.get("to", now_s))
    except ValueError:
        return 400, "Invalid from/to"
    candles, more = state.market.candles(c, seconds, frm, to, now_s)
    return 200, {"candles": candles, "more_candles": more}


def chart_catalogue(tick_type: str | None, symbol: str | None) -> list[str]:
    """``/api/charts/v1/`` (tick types), ``/{tick_type}`` (symbols), ``/{tick_type}/{symbol}``."""
    if tick_type is None:
        return list(TICK_TYPES)
    if symbol is None:
        return [c.symbol for c in CONTRACTS]
    return list(RESOLUTIONS)


def _order_side(t: Any, symbol: str, maker: bool) -> dict[str, Any]:
    buy = (t.side == "buy") != maker
    return {
        "uid": f"{t.uid}-{'m' if maker else 't'}",
        "tradeable": symbol,
        "direction": "Buy" if buy else "Sell",
        "quantity": str(t.size),
        "timestamp": str(t.time_ms),
        "limitPrice": str(t.price),
        "orderType": "Post" if maker else "IoC",
        "reduceOnly": False,
        "lastUpdateTimestamp": str(t.time_ms),
    }


def executions(state: FuturesState, symbol: str, q: Query) -> dict[str, Any]:
    """``/api/history/v3/market/{symbol}/executions``: public execution events (numbers as text).

    ``before``/``since`` (ms), ``count`` (≤ 1000, default 1000), ``sort`` (desc|asc).
    """
    c = _contract(symbol)
    now = state.clock_ms()
    count = max(1, min(1000, int(q.get("count") or 1000)))
    before = min(int(q.get("before") or now), now)
    since = int(q.get("since") or 0)
    tape = [t for t in state.market.trades_before(c, before, count) if t.time_ms >= since]
    if q.get("sort") == "asc":
        tape.reverse()
    elements = [
        {
            "uid": t.uid,
            "timestamp": str(t.time_ms),
            "event": {
                "Execution": {
                    "execution": {
                        "uid": t.uid,
                        "makerOrder": _order_side(t, c.symbol, maker=True),
                        "takerOrder": _order_side(t, c.symbol, maker=False),
                        "timestamp": str(t.time_ms),
                        "quantity": str(t.size),
                        "price": str(t.price),
                        "markPrice": str(t.price),
                        "limitFilled": False,
                        "usdValue": str((t.size * t.price).quantize(Decimal("0.01"))),
                    },
                    "takerReducedQuantity": "",
                }
            },
        }
        for t in tape
    ]
    return {"elements": elements, "len": str(len(elements))}
