"""The figures traders look for, computed exactly from the typed records (pure, no I/O).

Book: spread, mid, spread in basis points and cumulative depth per level. Ticker: the change
against the reference open (absolute and percent). Orders: notional value and estimated fee
(:mod:`kraken_cli.models.order_value`, apart so that market commands do not load them).
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
