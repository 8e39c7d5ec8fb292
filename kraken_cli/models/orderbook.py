"""A REST order-book snapshot record and its spot row parser.

Apart from :mod:`kraken_cli.models.market` so that ``krx orderbook`` creates only the records
it prints (start-up, issue 17); still importable from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kraken_cli.models.numbers import dec, exact, malformed_row


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price level of an order book."""

    price: Decimal
    volume: Decimal
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class OrderBook:
    """A REST order-book snapshot: bids descending, asks ascending, and Kraken's checksum.

    Futures books publish no checksum (``None``).
    """

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    checksum: int | None

    def level_records(self) -> list[dict[str, Any]]:
        """Return ``side, price, volume`` records (bids then asks) for csv/jsonl/table."""
        return [
            {
                "symbol": self.symbol,
                "side": side,
                "price": exact(lv.price),
                "volume": exact(lv.volume),
            }
            for side, levels in (("bid", self.bids), ("ask", self.asks))
            for lv in levels
        ]

    def to_object(self) -> dict[str, Any]:
        """Return the ``--format json`` object ``{symbol, bids, asks, checksum}``."""
        return {
            "symbol": self.symbol,
            "bids": [[exact(lv.price), exact(lv.volume)] for lv in self.bids],
            "asks": [[exact(lv.price), exact(lv.volume)] for lv in self.asks],
            "checksum": self.checksum,
        }


def parse_book_side(rows: Sequence[Any]) -> tuple[BookLevel, ...]:
    """Parse ``[[price, volume, timestamp], ...]``."""
    if not isinstance(rows, list | tuple):
        raise malformed_row("book", rows)
    out = []
    for row in rows:
        if not isinstance(row, list | tuple) or len(row) < 2:
            raise malformed_row("book", row)
        try:
            ts = int(row[2]) if len(row) > 2 else None
        except (TypeError, ValueError) as exc:
            raise malformed_row("book", row) from exc
        out.append(BookLevel(dec(row[0], "price"), dec(row[1], "volume"), ts))
    return tuple(out)
