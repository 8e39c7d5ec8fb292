"""The figures traders look for, computed exactly from the typed records (pure, no I/O).

Book: spread, mid, spread in basis points and cumulative depth per level. Ticker: the change
against the reference open, absolute and percent (:mod:`kraken_cli.models.change`). Orders:
notional value and estimated fee (:mod:`kraken_cli.models.order_value`). Each command loads
only its own (start-up, issue 17).
Sums, differences, products and halves are exact Decimals; only ratios (percent, basis points)
are rounded, to :data:`RATIO_PLACES`, half-even.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from kraken_cli.models.numbers import RATIO_PLACES as RATIO_PLACES
from kraken_cli.models.numbers import exact
from kraken_cli.models.numbers import ratio as ratio

if TYPE_CHECKING:
    from kraken_cli.models.change import Change as Change
    from kraken_cli.models.change import change as change
    from kraken_cli.models.change import change_record as change_record
    from kraken_cli.models.change import ticker_change as ticker_change
    from kraken_cli.models.orderbook import BookLevel, OrderBook

_HALF = Decimal("0.5")
_BPS = Decimal(10_000)

#: The ticker's change, in its own module (``krx ticker`` creates no book figure, ``krx
#: orderbook`` no change: start-up, issue 17); still importable from here.
_CHANGE = ("Change", "change", "change_record", "ticker_change")


def __getattr__(name: str) -> Any:
    """Import a change figure from :mod:`kraken_cli.models.change` on first use (PEP 562)."""
    if name in _CHANGE:
        from kraken_cli.models import change

        return getattr(change, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
