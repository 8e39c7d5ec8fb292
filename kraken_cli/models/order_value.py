"""What an order is worth and should cost before it is sent: notional value and estimated fee.

Exact Decimals throughout (the trader figures of :mod:`kraken_cli.models.figures` that only
order commands use, apart so that market commands do not load them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

_HUNDRED = Decimal(100)


def notional(volume: Decimal, price: Decimal) -> Decimal:
    """Return the order's value in the quote currency: volume x price (exact)."""
    return volume * price


def fee_of(value: Decimal, fee_percent: Decimal) -> Decimal:
    """Return the fee on ``value`` at ``fee_percent`` (Kraken quotes fees in percent; exact)."""
    return value * fee_percent / _HUNDRED


@dataclass(frozen=True, slots=True)
class OrderEstimate:
    """What an order is worth and what it should cost, before it is sent."""

    price: Decimal
    #: where the price came from: the order's own price, or the book's best ask/bid
    price_basis: str
    notional: Decimal
    quote: str
    fee_pct: Decimal | None = None
    #: the fee side assumed: maker (post-only), else taker (the most it can cost)
    fee_side: str = "taker"

    @property
    def fee(self) -> Decimal | None:
        """Return the estimated fee in the quote currency (None when the tier is unknown)."""
        return None if self.fee_pct is None else trimmed(fee_of(self.notional, self.fee_pct))

    def describe(self) -> str:
        """Return one line for the user: notional value and estimated fee."""
        at = "" if self.price_basis == "limit" else f" at the {self.price_basis} {self.price}"
        text = f"notional ≈ {self.notional} {self.quote}{at}"
        if self.fee is None:
            return text + "; fee unknown (TradeVolume not readable with this key)"
        pct = trimmed(self.fee_pct) if self.fee_pct is not None else None
        return f"{text}; est. fee {self.fee} {self.quote} ({pct}% {self.fee_side})"


def estimate_order(
    volume: Decimal, price: Decimal, quote: str, *, basis: str = "limit"
) -> OrderEstimate:
    """Return the order's notional value at ``price`` (the fee is added with the tier)."""
    return OrderEstimate(price, basis, trimmed(notional(volume, price)), quote)


def trimmed(value: Decimal) -> Decimal:
    """Return ``value`` without trailing zeros (same number; a product's scale is no precision)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
