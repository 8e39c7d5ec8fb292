"""Where the watch views take their colours and trader figures from (one place to plug them in).

Temporary minimal versions until the shared colour meanings and figure functions land; the
views call only these names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

_STYLES = {
    "bid": "green",
    "ask": "red",
    "buy": "green",
    "sell": "red",
    "up": "green",
    "down": "red",
    "flat": "",
    "ok": "green",
}


def style(meaning: str) -> str:
    """Return the rich style of a meaning (bid/ask, buy/sell, up/down, ok); '' when none."""
    return _STYLES.get(meaning, "")


def spread_mid(bid: str | None, ask: str | None) -> tuple[Decimal, Decimal, Decimal] | None:
    """Return ``(spread, mid, spread in basis points of the mid)``, or None without both sides."""
    if bid is None or ask is None:
        return None
    try:
        best_bid, best_ask = Decimal(bid), Decimal(ask)
    except InvalidOperation:
        return None
    spread = best_ask - best_bid
    mid = (best_bid + best_ask) / 2
    bps = (spread / mid * 10_000).quantize(Decimal("0.01")) if mid else Decimal(0)
    return spread, mid, bps


def cumulative(volumes: Sequence[str]) -> list[Decimal]:
    """Return the running totals of ``volumes`` (exact)."""
    totals: list[Decimal] = []
    total = Decimal(0)
    for volume in volumes:
        total += Decimal(volume)
        totals.append(total)
    return totals


def direction(ticker: Mapping[str, Any]) -> str:
    """Return ``up``, ``down`` or ``flat``: the sign of a ticker's 24h change."""
    change = ticker.get("change_pct", ticker.get("change"))
    try:
        value = Decimal(str(change))
    except (InvalidOperation, ValueError):
        return "flat"
    return "up" if value > 0 else "down" if value < 0 else "flat"


def signed(text: str) -> str:
    """Return a decimal text with an explicit sign (``+1.5``, ``-0.2``, ``0``)."""
    return text if text.startswith(("-", "+")) or text.strip("0.") == "" else "+" + text
