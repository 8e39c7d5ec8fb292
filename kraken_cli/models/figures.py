"""The figures traders look for, computed exactly from the typed records (pure, no I/O).

Book: spread, mid, spread in basis points and cumulative depth per level. Ticker: the change
against the reference open (absolute and percent). Orders: notional value and estimated fee.
Sums, differences, products and halves are exact Decimals; only ratios (percent, basis points)
are rounded, to :data:`RATIO_PLACES`, half-even.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from kraken_cli.models.numbers import exact

if TYPE_CHECKING:
    from kraken_cli.models.orderbook import BookLevel, OrderBook
    from kraken_cli.models.ticker import Ticker

#: Ratios (percent, basis points) are shown to 0.01.
RATIO_PLACES = Decimal("0.01")
_HALF = Decimal("0.5")
_HUNDRED = Decimal(100)
_BPS = Decimal(10_000)


def ratio(part: Decimal, whole: Decimal, scale: Decimal = _HUNDRED) -> Decimal | None:
    """Return ``part / whole * scale`` rounded to 0.01 (None when ``whole`` is zero)."""
    if whole == 0:
        return None
    return (part * scale / whole).quantize(RATIO_PLACES)


@dataclass(frozen=True, slots=True)
class Spread:
    """The top of a book: best bid and ask, their spread and mid."""

    bid: Decimal
    ask: Decimal
    spread: Decimal
    mid: Decimal
    #: spread / mid in basis points (0.01 bp), None for a zero mid
    spread_bps: Decimal | None


def spread(best_bid: Decimal, best_ask: Decimal) -> Spread:
    """Return the spread (ask - bid), mid ((bid + ask) / 2) and spread in bps; all exact."""
    gap = best_ask - best_bid
    mid = (best_bid + best_ask) * _HALF
    places = Decimal(1).scaleb(min(_exponent(best_bid), _exponent(best_ask)))
    if mid == mid.quantize(places):  # a whole tick: no trailing zero the prices lack
        mid = mid.quantize(places)
    return Spread(best_bid, best_ask, gap, mid, ratio(gap, mid, _BPS))


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def book_spread(book: OrderBook) -> Spread | None:
    """Return the spread of ``book`` (None when a side is empty)."""
    if not book.bids or not book.asks:
        return None
    return spread(book.bids[0].price, book.asks[0].price)


def depth_records(book: OrderBook) -> list[dict[str, Any]]:
    """Return the book's level records (bids, then asks) with ``cum_volume`` from the best."""
    totals = [total for side in (book.bids, book.asks) for _, total in depth(side)]
    return [
        record | {"cum_volume": exact(total)}
        for record, total in zip(book.level_records(), totals, strict=True)
    ]


def cumulative(volumes: Iterable[Decimal]) -> list[Decimal]:
    """Return running totals of ``volumes`` from the best level outwards."""
    return list(accumulate(volumes))


def depth(levels: Sequence[BookLevel]) -> list[tuple[BookLevel, Decimal]]:
    """Pair each level (best first) with the cumulative volume up to and including it."""
    return list(zip(levels, cumulative(lv.volume for lv in levels), strict=True))


@dataclass(frozen=True, slots=True)
class Change:
    """How far a price moved from a reference price."""

    reference: Decimal
    absolute: Decimal
    #: percent of the reference, rounded to 0.01; None for a zero reference
    percent: Decimal | None


def change_record(moved: Change | None) -> dict[str, Any]:
    """Return the record fields ``change`` and ``change_pct`` (None when unknown)."""
    if moved is None:
        return {"change": None, "change_pct": None}
    return {"change": exact(moved.absolute), "change_pct": exact(moved.percent)}


def change(last: Decimal | None, reference: Decimal | None) -> Change | None:
    """Return ``last - reference`` and its percent (None when either price is unknown)."""
    if last is None or reference is None:
        return None
    moved = last - reference
    return Change(reference, moved, ratio(moved, reference))


def ticker_change(ticker: Ticker) -> Change | None:
    """Return the ticker's change: futures against ``open_24h``, spot against today's open.

    Kraken's spot REST ticker publishes one reference price, ``o`` (the open at 00:00 UTC);
    Kraken Futures tickers publish the open 24 hours ago (``Ticker.reference_open``).
    """
    return change(ticker.last, ticker.reference_open)


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
