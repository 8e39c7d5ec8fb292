"""Spot ``Trades`` rows straight to the trade store's rows: exact wire text, no Decimal.

A history download parses tens of thousands of pages; building a :class:`Trade` (three Decimals)
per row only to write the same text back costs most of the time. Here a page is checked column
by column at C speed and kept as text; a page with anything unusual goes row by row through
:func:`~kraken_cli.models.market.parse_trade_row` and gives exactly what it gave before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kraken_cli.models.market import Trade, parse_trade_row
from kraken_cli.models.numbers import Malformed

TradeRow = tuple[int, int, str, str, str, str, str]
"""A spot trade as the trade store keeps it: ``(trade_id, time ns, price text, volume text,
b|s, m|l, misc)``, numbers exactly as Kraken wrote them."""

#: A whole page's prices or volumes, each followed by a comma: plain decimal text, as Kraken
#: writes it (no sign, exponent or leading zero), so the text is stored unchanged.
_PLAIN_NUMBERS = re.compile(r"(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?,)*", re.ASCII)
#: A page's trade times (JSON numbers read as text): 10-digit unix seconds, <= 9 decimals.
_PLAIN_TIMES = re.compile(r"(?:[0-9]{10}(?:\.[0-9]{1,9})?,)*", re.ASCII)


@dataclass(frozen=True)
class TradeRowsPage:
    """One ``Trades`` answer as store rows, and the nanosecond cursor for the next page."""

    rows: list[TradeRow]
    last: str


def parse_trade_rows(rows: Sequence[Any], symbol: str) -> list[TradeRow]:
    """Parse ``Trades`` rows (times read as text: ``parse_float=str``) into store rows.

    A page is checked column by column at C speed and, when every row has Kraken's usual
    shape, converted without a Decimal; any other page goes row by row through
    :func:`parse_trade_row`, which refuses what is malformed and normalises what is unusual.
    """
    fast = _plain_rows(rows)
    return fast if fast is not None else [trade_row(parse_trade_row(r, symbol)) for r in rows]


def _plain_rows(rows: Sequence[Any]) -> list[TradeRow] | None:
    if not rows:
        return []
    if {*map(type, rows)} != {list} or min(map(len, rows)) < 7:
        return None
    prices, volumes, times, sides, ord_types, miscs, ids = list(zip(*rows, strict=False))[:7]
    if (
        {*map(type, prices), *map(type, volumes), *map(type, times), *map(type, miscs)} != {str}
        or {*map(type, ids)} != {int}
        or not {*sides} <= {"b", "s"}
        or not {*ord_types} <= {"m", "l"}
        or not _PLAIN_NUMBERS.fullmatch(",".join((*prices, *volumes, "")))
        or not _PLAIN_TIMES.fullmatch(",".join((*times, "")))
    ):
        return None
    # "1688669597.8277369" -> 1688669597827736900: the digits, padded to ns (10 + 9 digits)
    ns = [int(t.replace(".", "").ljust(19, "0")) for t in times]
    return list(zip(ids, ns, prices, volumes, sides, ord_types, miscs, strict=True))


def trade_row(trade: Trade) -> TradeRow:
    """Return a parsed trade as the store's row (it must have a trade id)."""
    if trade.trade_id is None:
        raise Malformed("a trade without trade_id cannot be stored")
    return (
        int(trade.trade_id),
        int(trade.time.scaleb(9).to_integral_value()),
        format(trade.price, "f"),
        format(trade.volume, "f"),
        "b" if trade.side in ("b", "buy") else "s",
        "m" if trade.ord_type in ("m", "market") else "l",
        trade.misc or "",
    )
