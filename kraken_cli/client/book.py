"""A local Kraken WS v2 L2 order book with the CRC32 checksum, built for speed.

Design (see /work/shared/research/perf-anchors.md §2):
* Prices and quantities stay decimal *text* (:mod:`kraken_cli.client.exact_json`), padded to
  the pair's precision so the checksum works whether or not the wire kept trailing zeros.
* Each side is a dict ``key -> (price, qty, checksum fragment)`` plus a sorted list of integer
  keys (the price scaled to an integer; negated for bids so both lists sort ascending) kept with
  ``bisect``: no float, no Decimal, no per-message sort, O(log D) search + memmove per level.
* A price seen before is not parsed again: a per-side cache maps its wire text to
  ``(key, padded text, fragment)`` (prices recur: most updates change a level's quantity);
  when full it keeps the prices of the book's levels, so a depth-1000 book hits it too.
* Each side keeps its top 10's fragments in step (a change patches, inserts or removes one)
  and caches their checksum text; a change below the top 10 costs nothing there, so a
  depth-1000 book costs about what a depth-10 one does. The CRC32 is ISA-L's when the
  ``fast`` extra is installed (4x zlib's here), zlib's otherwise: the same value.

The result always equals :func:`kraken_cli.protocol.checksum.book_checksum` over the padded
levels (a property test pins it).
https://docs.kraken.com/api/docs/guides/spot-ws-book-v2
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

try:  # the ``fast`` extra: ISA-L's CRC32 is ~4x zlib's on the 300 bytes a checksum covers
    from isal.isal_zlib import crc32
except ImportError:  # pragma: no cover - exercised by the fallback test (same values)
    from zlib import crc32

from kraken_cli.protocol.checksum import pad_decimal

#: Book depths Kraken's WS v2 ``book`` channel accepts.
DEPTHS = (10, 25, 100, 500, 1000)

Level = tuple[str, str]
#: Distinct wire prices remembered per side beyond twice the depth; when full, only the prices
#: of the levels in the book are kept. Bounded on purpose: a price walks to new levels for as
#: long as a stream runs, and 65,536 entries (~250 B each) made a long-running book (krx
#: serve, archive) grow ~16 MB per side (bench/serve_soak.py). The prices that recur are the
#: book's own levels, so keeping those keeps nearly every hit, even at depth 1000.
_PRICE_CACHE_SPARE = 1 << 10


def norm_decimal(value: object, decimals: int) -> str:
    """Return a wire number as text with exactly ``decimals`` fractional digits."""
    text = value if isinstance(value, str) else str(value)
    dot = text.find(".")
    if decimals > 0:
        if dot >= 0 and len(text) - dot - 1 == decimals and "e" not in text and "E" not in text:
            return text
    elif dot < 0 and "e" not in text and "E" not in text:
        return text
    return pad_decimal(text, decimals)


class BookSide:
    """One side of the book: sorted keys (best first), levels by key, the top 10's text."""

    __slots__ = (
        "_cache_max",
        "_frags",
        "_prices",
        "_top",
        "depth",
        "is_bid",
        "keys",
        "levels",
        "pdec",
        "qdec",
        "sign",
    )

    def __init__(self, is_bid: bool, depth: int, pdec: int, qdec: int) -> None:
        self.is_bid = is_bid
        self.depth = depth
        self.pdec = pdec
        self.qdec = qdec
        self._cache_max = 2 * depth + _PRICE_CACHE_SPARE
        self.sign = -1 if is_bid else 1
        #: Scaled prices (negated for bids): ascending, best first.
        self.keys: list[int] = []
        #: key -> (price, qty, checksum fragment: both without the dot and leading zeros)
        self.levels: dict[int, tuple[str, str, str]] = {}
        # The top 10's fragments, kept in step, and their checksum text: None when they changed
        # since Book.checksum() last read it (only it sets the text: it caches the CRC too).
        self._frags: list[str] = []
        self._top: bytes | None = None
        #: wire price -> (key, padded price text, price digits for the checksum)
        self._prices: dict[str | int, tuple[int, str, str]] = {}

    def best(self) -> int | None:
        """Return the best key (scaled price; negative for bids) or None when empty."""
        return self.keys[0] if self.keys else None

    def top(self, n: int | None = None) -> list[list[str]]:
        """Return ``[[price, qty], ...]`` best first, all levels or the top ``n``."""
        levels = self.levels
        return [[levels[k][0], levels[k][1]] for k in (self.keys if n is None else self.keys[:n])]

    def pairs(self) -> list[Level]:
        """Return ``(price, qty)`` tuples best first."""
        levels = self.levels
        return [(levels[k][0], levels[k][1]) for k in self.keys]

    def apply(self, wire: Iterable[Mapping[str, Any]]) -> list[str] | None:
        """Apply levels in order (qty 0 deletes), truncate to depth; return prices dropped."""
        # one function on purpose: this runs for every level of every book message
        keys = self.keys
        levels = self.levels
        cache = self._prices
        top = self._frags
        pdec = self.pdec
        qdec = self.qdec
        qdot = -qdec - 1  # where the dot of a quantity at the pair's precision is
        changed = False
        for lv in wire:
            p = lv["price"]
            q = lv["qty"]
            try:
                k, p, pfrag = cache[p]
            except (KeyError, TypeError):
                k, p, pfrag = self._parse_price(p, pdec)
            # Fast path: the wire text already carries the pair's precision (2026 feeds do).
            try:
                if q[qdot] != "." or "e" in q or "E" in q:
                    q = norm_decimal(q, qdec)
            except (IndexError, TypeError):  # too short, or not text (an int 0)
                q = norm_decimal(q, qdec)
            qfrag = q.replace(".", "").lstrip("0")
            if qfrag:
                frag = pfrag + qfrag
                if k in levels:
                    levels[k] = (p, q, frag)
                    if len(keys) <= 10 or k <= keys[9]:  # a quantity change in the top 10
                        top[keys.index(k, 0, 10)] = frag
                        changed = True
                else:
                    levels[k] = (p, q, frag)
                    i = bisect_left(keys, k)
                    keys.insert(i, k)
                    if i < 10:  # it enters the top 10, the 10th (if any) leaves it
                        top.insert(i, frag)
                        del top[10:]
                        changed = True
            elif k in levels:
                del levels[k]
                i = bisect_left(keys, k)
                del keys[i]
                if i < 10:  # it leaves the top 10, the 11th (if any) enters it
                    del top[i]
                    if len(keys) >= 10:
                        top.append(levels[keys[9]][2])
                    changed = True
        if changed:
            self._top = None
        return self.truncate(self.depth) if len(keys) > self.depth else None

    def _parse_price(self, wire: object, pdec: int) -> tuple[int, str, str]:
        """Return ``(key, padded text, checksum digits)`` of a wire price; cache it."""
        p = wire
        if not (
            p.__class__ is str
            and (dot := p.find(".")) > 0
            and len(p) - dot == pdec + 1
            and "e" not in p
            and "E" not in p
        ):
            p = norm_decimal(p, pdec)
        text = str(p)
        digits = text.replace(".", "")
        entry = (self.sign * int(digits), text, digits.lstrip("0"))
        # what decoders give (text; an int for a whole number), not a caller's Decimal or float
        if wire.__class__ is str or wire.__class__ is int:
            if len(self._prices) >= self._cache_max:
                self._prune_prices()
            self._prices[wire] = entry
        return entry

    def _prune_prices(self) -> None:
        """Forget the wire prices of levels no longer in the book."""
        levels, cache = self.levels, self._prices
        kept = [(w, e) for w, e in cache.items() if e[0] in levels]
        cache.clear()  # in place: apply() holds the dict
        cache.update(kept)

    def truncate(self, depth: int) -> list[str]:
        """Drop the levels past ``depth``; return their prices."""
        keys, levels = self.keys, self.levels
        if len(keys) == depth + 1:  # the usual case: one insert pushed one level out
            dropped = [levels.pop(keys.pop())[0]]
        else:
            dropped = [levels.pop(k)[0] for k in keys[depth:]]
            del keys[depth:]
        if depth < 10:
            self._top = None
            self._frags = [levels[k][2] for k in self.keys[:10]]
        return dropped


class Book:
    """An L2 book for one symbol at one subscribed depth, verified against Kraken's checksum."""

    __slots__ = (
        "_crc",
        "asks",
        "bids",
        "depth",
        "price_decimals",
        "qty_decimals",
        "symbol",
        "truncated",
    )

    def __init__(self, symbol: str, depth: int, price_decimals: int, qty_decimals: int) -> None:
        self.symbol = symbol
        self.depth = depth
        self.price_decimals = price_decimals
        self.qty_decimals = qty_decimals
        self.asks = BookSide(False, depth, price_decimals, qty_decimals)
        self.bids = BookSide(True, depth, price_decimals, qty_decimals)
        #: Levels dropped by the last truncation, as ``(side, price)``; only kept when not None.
        self.truncated: list[tuple[str, str]] | None = None
        self._crc = 0  # the checksum of the sides' cached top texts

    # -- applying wire data ------------------------------------------------------------------
    def apply_snapshot(
        self, asks: Iterable[Mapping[str, Any]], bids: Iterable[Mapping[str, Any]]
    ) -> None:
        """Replace the book with a snapshot's levels."""
        self.asks = BookSide(False, self.depth, self.price_decimals, self.qty_decimals)
        self.bids = BookSide(True, self.depth, self.price_decimals, self.qty_decimals)
        self.apply_update(asks, bids)

    def apply_update(
        self, asks: Iterable[Mapping[str, Any]], bids: Iterable[Mapping[str, Any]]
    ) -> None:
        """Apply the levels of one message in order (qty 0 deletes), then truncate to depth."""
        # a side the message does not touch costs nothing (most messages touch one)
        if asks and (dropped := self.asks.apply(asks)) and self.truncated is not None:
            self.truncated.extend(("ask", price) for price in dropped)
        if bids and (dropped := self.bids.apply(bids)) and self.truncated is not None:
            self.truncated.extend(("bid", price) for price in dropped)

    # -- reading -----------------------------------------------------------------------------
    def checksum(self) -> int:
        """Return the CRC32 of the top 10 asks then bids, as Kraken computes it."""
        asks, bids = self.asks, self.bids
        a = asks._top
        b = bids._top
        if a is not None and b is not None:
            return self._crc  # neither top 10 changed (most updates of a deep book)
        if a is None:
            a = asks._top = "".join(asks._frags).encode()
        if b is None:
            b = bids._top = "".join(bids._frags).encode()
        crc = self._crc = crc32(b, crc32(a))
        return crc

    def crossed(self) -> bool:
        """Return True when the best bid is at or above the best ask (a broken book)."""
        ask, bid = self.asks.keys, self.bids.keys
        if ask and bid:  # a truth test, not bool(): this runs for every book message
            return -bid[0] >= ask[0]
        return False

    def snapshot(self, levels: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
        """Return ``(bids, asks)`` as ``[[price, qty], ...]`` best first."""
        return self.bids.top(levels), self.asks.top(levels)
