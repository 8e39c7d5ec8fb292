"""Kraken's relative order prices: ``+5``, ``-1%``, ``#2`` and the trailing-stop offsets.

AddOrder's ``price``/``price2`` may be an offset from the last trade instead of a price: ``+``
adds, ``-`` subtracts, ``#`` goes whichever way is "away from the market" for the order type and
side, and a ``%`` suffix makes the amount a percentage. Trailing stops take their ``price`` as
the trailing distance (``+`` only) and a trailing-stop-limit's ``price2`` as the limit's offset
from the trigger (``+``/``-``).
https://docs.kraken.com/api/docs/rest-api/add-order (price, price2: relative pricing)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from kraken_cli.sandbox.market import Pair

TRAILING_TYPES = ("trailing-stop", "trailing-stop-limit")


@dataclass(frozen=True)
class Offset:
    """A relative price: sign (``+``, ``-`` or ``#``), amount, and whether it is a percentage."""

    sign: str
    amount: Decimal
    percent: bool

    def distance(self, base_units: int, pair: Pair) -> int:
        """The offset in price units from ``base_units``, rounded to the pair's tick."""
        scale = Decimal(10) ** pair.pair_decimals
        amount = base_units * self.amount / 100 if self.percent else self.amount * scale
        ticks = (amount / pair.tick_units).quantize(Decimal(1), ROUND_HALF_EVEN)
        return int(ticks) * pair.tick_units

    def apply(self, base_units: int, pair: Pair, direction: int) -> int:
        """Return ``base_units`` moved by the offset (``direction`` decides ``#``)."""
        sign = {"+": 1, "-": -1}.get(self.sign, direction)
        return base_units + sign * self.distance(base_units, pair)

    def text(self, pair: Pair) -> str:
        """Render like Kraken's ``descr.price`` (``+50.0000%``, ``+500.0``)."""
        if self.percent:
            return f"{self.sign}{self.amount:.4f}%"
        places = Decimal(1).scaleb(-pair.pair_decimals)
        return f"{self.sign}{self.amount.quantize(places)}"


def parse_offset(text: str) -> Offset | None:
    """Parse ``[+-#]amount[%]``; None if ``text`` is an absolute price or not an offset."""
    if not text or text[0] not in "+-#":
        return None
    body = text[1:]
    percent = body.endswith("%")
    try:
        amount = Decimal(body[:-1] if percent else body)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or (percent and amount >= 100):
        return None
    return Offset(text[0], amount, percent)


def away_from_market(ordertype: str, side: str, field: str) -> int:
    """Which way ``#`` moves a price: +1 (up) or -1 (down) from the last trade."""
    buy = side == "buy"
    if field == "price2" or ordertype.startswith("stop-loss"):
        return 1 if buy else -1  # stops and their limits sit past the trigger
    return -1 if buy else 1  # limits and take-profits wait for a better price
