"""How far a ticker's price moved from its reference open: absolute and percent, exact.

One of the trader figures (:mod:`kraken_cli.models.figures`), apart so that ``krx ticker``
creates no book figure (start-up, issue 17). The percent is rounded to
:data:`~kraken_cli.models.numbers.RATIO_PLACES`, half-even; the difference is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kraken_cli.models.numbers import exact, ratio

if TYPE_CHECKING:
    from kraken_cli.models.ticker import Ticker


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
