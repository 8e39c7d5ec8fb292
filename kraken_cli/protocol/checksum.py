"""Kraken's order-book CRC32 checksum (WS v2 ``book``), computed from decimal text.

https://docs.kraken.com/api/docs/guides/spot-ws-book-v2
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from decimal import Decimal


def checksum_field(text: str) -> str:
    """Return a wire number with the ``.`` removed and leading zeros stripped."""
    return text.replace(".", "").lstrip("0")


def pad_decimal(text: str, decimals: int) -> str:
    """Render a decimal string with exactly ``decimals`` fractional digits (no float)."""
    if decimals <= 0:
        return format(Decimal(text).quantize(Decimal(1)), "f")
    whole, _, frac = text.partition(".")
    if "e" in text or "E" in text:
        return format(Decimal(text).quantize(Decimal(1).scaleb(-decimals)), "f")
    if len(frac) > decimals:
        return format(Decimal(text).quantize(Decimal(1).scaleb(-decimals)), "f")
    return f"{whole or '0'}.{frac.ljust(decimals, '0')}"


def book_checksum_input(asks: Iterable[tuple[str, str]], bids: Iterable[tuple[str, str]]) -> str:
    """Build the checksum string from the top-10 asks (low->high) then bids (high->low).

    Prices and volumes must already be formatted at the pair's precision (or be the wire
    text, which Kraken sends with trailing zeros).
    """
    parts: list[str] = []
    for count, (price, qty) in enumerate(asks):
        if count == 10:
            break
        parts.append(checksum_field(price) + checksum_field(qty))
    for count, (price, qty) in enumerate(bids):
        if count == 10:
            break
        parts.append(checksum_field(price) + checksum_field(qty))
    return "".join(parts)


def book_checksum(asks: Iterable[tuple[str, str]], bids: Iterable[tuple[str, str]]) -> int:
    """Return the unsigned CRC32 Kraken sends as ``checksum`` for a book."""
    return zlib.crc32(book_checksum_input(asks, bids).encode()) & 0xFFFFFFFF
