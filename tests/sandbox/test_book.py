"""Unit tests of the book model and the per-subscriber views (refill, truncation, checksum)."""

from __future__ import annotations

import pytest

from kraken_cli.protocol.checksum import book_checksum
from kraken_cli.sandbox.book import Book, BookView, checksum_of
from kraken_cli.sandbox.market import PAIRS
from kraken_cli.sandbox.wire import units_text


def client_apply(
    held: dict[int, int], changes: list[tuple[int, int]], depth: int, asks: bool
) -> None:
    for price, qty in changes:
        if qty == 0:
            held.pop(price, None)
        else:
            held[price] = qty
    for price in sorted(held, reverse=not asks)[depth:]:
        del held[price]


def wire(pd: int, ld: int, level: tuple[int, int]) -> tuple[str, str]:
    return units_text(level[0], pd), units_text(level[1], ld)


@pytest.mark.parametrize(("key", "depth"), [("XXBTZUSD", 10), ("XDGUSD", 25), ("SHIBUSD", 1000)])
def test_views_keep_client_books_exact(key: str, depth: int) -> None:
    pair = PAIRS[key]
    book = Book(pair, 3, 600000 if key == "XXBTZUSD" else 1523000 if key == "XDGUSD" else 2345, 0)
    mid = book.best_bid() + 1
    view = BookView(book, depth)
    asks, bids, checksum = view.snapshot()
    client_asks, client_bids = dict(asks), dict(bids)
    assert len(asks) == depth and len(bids) == depth
    assert checksum == checksum_of(pair, asks, bids)
    for step in range(300):
        mid += book.rng.choice((-2, -1, 0, 1, 2)) * pair.tick_units
        book.step(mid, step)
        diff = view.diff()
        if diff is None:
            continue
        ask_changes, bid_changes, checksum = diff
        client_apply(client_asks, ask_changes, depth, True)
        client_apply(client_bids, bid_changes, depth, False)
        assert sorted(client_asks.items()) == book.top("a", depth)
        assert sorted(client_bids.items(), reverse=True) == book.top("b", depth)
        assert checksum == book_checksum(
            [
                wire(pair.pair_decimals, pair.lot_decimals, lv)
                for lv in sorted(client_asks.items())[:10]
            ],
            [
                wire(pair.pair_decimals, pair.lot_decimals, lv)
                for lv in sorted(client_bids.items(), reverse=True)[:10]
            ],
        )


def test_delete_inside_depth_sends_refill() -> None:
    pair = PAIRS["XXBTZUSD"]
    book = Book(pair, 1, 600000, 0)
    view = BookView(book, 10)
    view.snapshot()
    victim = book.top("a", 10)[3][0]
    eleventh = book.top("a", 11)[10]
    book.asks.set(victim, 0, 1)
    ask_changes, bid_changes, _ = view.diff() or ([], [], 0)
    assert ask_changes == [(victim, 0), eleventh] and bid_changes == []


def test_take_consumes_levels() -> None:
    book = Book(PAIRS["XXBTZUSD"], 1, 600000, 0)
    best, qty = book.top("a", 1)[0]
    fills = book.take("buy", qty + 1, None, 0)
    assert fills[0] == (best, qty) and fills[1][1] == 1
    assert book.best_ask() != best
