"""Order books in the archive: one row per changed level, each carrying its message's checksum,
and the rebuild that proves an archived book against Kraken's checksums.

A message is a snapshot (the book starts again) or an update (levels set; volume 0 deletes).
Rows carry the subscribed depth and the pair's price and lot decimals, so the rebuild keeps the
same levels Kraken keeps and formats them as Kraken's checksum does.

Futures books publish no checksum: their rows carry the feed's ``seq`` instead (depth and
decimals null: the feed's every level is archived), and the rebuild proves them by continuity,
each update's ``seq`` one past the message before it since the last snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any

from kraken_cli.protocol.checksum import book_checksum, pad_decimal


def book_rows(
    record: Mapping[str, Any],
    message: int,
    *,
    depth: int | None,
    price_decimals: int | None,
    lot_decimals: int | None,
) -> list[dict[str, Any]]:
    """Return the archive rows of one book message (``bids``/``asks`` as ``[price, volume]``)."""
    common = {
        "message": message,
        "time": record["time"],
        "type": record["type"],
        "checksum": record.get("checksum"),
        "depth": depth,
        "price_decimals": price_decimals,
        "lot_decimals": lot_decimals,
        "seq": record.get("seq"),
    }
    return [
        {**common, "side": side, "price": price, "volume": volume}
        for side, levels in (("bid", record.get("bids") or ()), ("ask", record.get("asks") or ()))
        for price, volume in levels
    ]


@dataclass(frozen=True)
class Verdict:
    """How an archived book held up against its checksums (or, for futures, its ``seq``)."""

    messages: int
    mismatches: tuple[int, ...]

    @property
    def ok(self) -> bool:
        """Whether every message's rebuilt book matched its checksum and followed its seq."""
        return self.messages > 0 and not self.mismatches


def verify(rows: Iterable[Mapping[str, Any]]) -> Verdict:
    """Rebuild the book message by message (rows in message order) and check every checksum,
    and every ``seq`` follows the one before (futures)."""
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    messages, bad = 0, []
    seq: int | None = None
    for message, group in groupby(rows, key=lambda row: row["message"]):
        levels = list(group)
        first = levels[0]
        if first["type"] == "snapshot":
            bids.clear()
            asks.clear()
        for row in levels:
            side = bids if row["side"] == "bid" else asks
            price, volume = Decimal(str(row["price"])), Decimal(str(row["volume"]))
            if volume:
                side[price] = volume
            else:
                side.pop(price, None)
        if first["depth"] is not None:
            _truncate(bids, first["depth"], highest_first=True)
            _truncate(asks, first["depth"], highest_first=False)
        messages += 1
        if first["checksum"] is not None and _checksum(bids, asks, first) != first["checksum"]:
            bad.append(message)
        if _seq_breaks(first, seq):
            bad.append(message)
        seq = first.get("seq")
    return Verdict(messages, tuple(bad))


def _seq_breaks(row: Mapping[str, Any], before: int | None) -> bool:
    """Whether an update's ``seq`` does not follow the previous message's."""
    seq = row.get("seq")
    if seq is None or row["type"] == "snapshot":
        return False
    return before is None or seq != before + 1


def _truncate(side: dict[Decimal, Decimal], depth: int, *, highest_first: bool) -> None:
    for price in sorted(side, reverse=highest_first)[depth:]:
        del side[price]


def _checksum(
    bids: Mapping[Decimal, Decimal], asks: Mapping[Decimal, Decimal], row: Mapping[str, Any]
) -> int:
    def text(levels: Sequence[tuple[Decimal, Decimal]]) -> Iterator[tuple[str, str]]:
        for price, volume in levels[:10]:
            yield (
                pad_decimal(format(price, "f"), row["price_decimals"]),
                pad_decimal(format(volume, "f"), row["lot_decimals"]),
            )

    top_asks = sorted(asks.items())
    top_bids = sorted(bids.items(), reverse=True)
    return book_checksum(text(top_asks), text(top_bids))
