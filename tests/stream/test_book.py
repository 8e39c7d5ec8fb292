"""The book engine against every real checksum we have, and against the reference checksum."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.client.book import Book, norm_decimal
from kraken_cli.protocol.checksum import book_checksum, pad_decimal
from tests.stream.fakes import raw_frames, sample

DECODE = json.JSONDecoder(parse_float=str).decode


def replay(book: Book, msgs: list[dict]) -> list[bool]:
    ok = []
    for msg in msgs:
        d = msg["data"][0]
        if msg["type"] == "snapshot":
            book.apply_snapshot(d["asks"], d["bids"])
        else:
            book.apply_update(d["asks"], d["bids"])
        ok.append(book.checksum() == d["checksum"])
        assert book.checksum() == book_checksum(book.asks.pairs(), book.bids.pairs())
    return ok


def test_raw_2026_sequence_all_41_checksums_verify() -> None:
    msgs = [DECODE(t) for t in raw_frames("ws-v2-book-sequence-raw-2026.json")]
    assert len(msgs) == 41
    book = Book("BTC/USD", 10, 1, 8)
    assert all(replay(book, msgs))
    assert not book.crossed()
    assert len(book.asks.keys) == len(book.bids.keys) == 10


def test_python_kraken_sdk_sequence_510_checksums_verify_with_padding() -> None:
    data = json.loads(sample("ws-v2-book-sequence-python-kraken-sdk.json"), parse_float=str)
    msgs = [data["init"], *data["updates"]]
    assert len(msgs) == 510
    assert all(replay(Book("BTC/USD", 10, 1, 8), msgs))


def test_python_kraken_sdk_sequence_fails_without_padding() -> None:
    # the numbers lost their trailing zeros: the unpadded text cannot match
    data = json.loads(sample("ws-v2-book-sequence-python-kraken-sdk.json"), parse_float=str)
    d = data["init"]["data"][0]
    unpadded = book_checksum(
        [(x["price"], x["qty"]) for x in d["asks"]], [(x["price"], x["qty"]) for x in d["bids"]]
    )
    assert unpadded != d["checksum"]


def test_docs_example_matic_precision_4_8() -> None:
    msgs = [DECODE(t) for t in raw_frames("ws-v2-book-docs-example.json")][1:]
    assert replay(Book("MATIC/USD", 10, 4, 8), msgs) == [True, True]


def test_checksum_guide_example_strings() -> None:
    msg = json.loads(sample("ws-v2-book-checksum-guide-example.json"))
    assert replay(Book("BTC/USD", 10, 1, 8), [msg]) == [True]
    assert msg["data"][0]["checksum"] == 3310070434


def test_truncates_to_depth_and_detects_crossed() -> None:
    book = Book("X/Y", 10, 1, 2)
    book.truncated = []
    asks = [{"price": f"{100 + i}.0", "qty": "1.00"} for i in range(10)]
    bids = [{"price": f"{99 - i}.0", "qty": "1.00"} for i in range(10)]
    book.apply_snapshot(asks, bids)
    book.apply_update([{"price": "100.5", "qty": "2.00"}], [])
    assert len(book.asks.keys) == 10
    assert book.truncated == [("ask", "109.0")]
    assert book.asks.top(2) == [["100.0", "1.00"], ["100.5", "2.00"]]
    assert not book.crossed()
    book.apply_update([], [{"price": "100.0", "qty": "1.00"}])
    assert book.crossed()


def test_norm_decimal_pads_ints_and_exponents() -> None:
    assert norm_decimal(0, 8) == "0.00000000"
    assert norm_decimal("4.0", 8) == "4.00000000"
    assert norm_decimal("1e-08", 8) == "0.00000001"
    assert norm_decimal("100", 0) == "100"
    assert norm_decimal("64525.0", 1) == "64525.0"


prices = st.integers(min_value=1, max_value=2_000_000)
qtys = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=150, deadline=None)
@given(
    pdec=st.integers(min_value=0, max_value=5),
    qdec=st.integers(min_value=0, max_value=8),
    depth=st.sampled_from([10, 25]),
    ops=st.lists(st.tuples(st.booleans(), prices, qtys, st.booleans()), min_size=1, max_size=120),
)
def test_engine_equals_reference_checksum(
    pdec: int, qdec: int, depth: int, ops: list[tuple[bool, int, int, bool]]
) -> None:
    """Whatever the operations, the engine's checksum equals book_checksum over padded text."""
    book = Book("X/Y", depth, pdec, qdec)
    ref: dict[bool, dict[int, str]] = {True: {}, False: {}}

    def text(n: int, dec: int, trim: bool) -> str:
        s = f"{n // 10**dec}.{n % 10**dec:0{dec}d}" if dec else str(n)
        # Kraken's docs and re-serialised captures drop trailing zeros
        return (s.rstrip("0").rstrip(".") or "0") if trim and dec else s

    for is_bid, p, q, trim in ops:
        # keep the sides apart: bids below 1_000_000, asks above
        p = p % 1_000_000 + (0 if is_bid else 1_000_001)
        lv = {"price": text(p, pdec, trim), "qty": text(q, qdec, trim)}
        book.apply_update([] if is_bid else [lv], [lv] if is_bid else [])
        # the top 10 kept in step equals a full recomputation after every operation
        assert book.checksum() == book_checksum(book.asks.pairs(), book.bids.pairs())
        side = ref[is_bid]
        if q:
            side[p] = pad_decimal(lv["qty"], qdec)
        else:
            side.pop(p, None)
        keep = sorted(side, reverse=is_bid)[:depth]
        ref[is_bid] = {k: side[k] for k in keep}
    asks = [(pad_decimal(text(p, pdec, False), pdec), q) for p, q in sorted(ref[False].items())]
    bids = [
        (pad_decimal(text(p, pdec, False), pdec), q)
        for p, q in sorted(ref[True].items(), reverse=True)
    ]
    assert book.asks.pairs() == asks
    assert book.bids.pairs() == bids
    assert book.checksum() == book_checksum(asks, bids)


@pytest.mark.parametrize("depth", [10, 1000])
def test_synthetic_feed_verifies(depth: int) -> None:
    from bench.book_feed import make_feed

    feed = make_feed(depth, 2000, seed=3)
    book = Book("BTC/USD", depth, 1, 8)
    assert all(replay(book, [DECODE(t) for t in feed]))


def test_checksum_without_isal_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pure-Python install (zlib's CRC32, stdlib decoding) verifies the same messages."""
    import zlib

    from kraken_cli.client import book as book_module
    from kraken_cli.client.exact_json import exact_decoder

    frames = raw_frames("ws-v2-book-sequence-raw-2026.json")
    fast = exact_decoder()
    assert all(replay(Book("BTC/USD", 10, 1, 8), [fast(t) for t in frames]))
    monkeypatch.setattr(book_module, "crc32", zlib.crc32)
    slow = exact_decoder(fast=False)
    assert all(replay(Book("BTC/USD", 10, 1, 8), [slow(t) for t in frames]))


def _spell(n: int, dec: int, style: int) -> object:
    """Write ``n / 10**dec`` as a wire number: padded, trimmed, a JSON integer, or exponents."""
    padded = f"{n // 10**dec}.{n % 10**dec:0{dec}d}" if dec else str(n)
    if style == 1 and dec:
        return padded.rstrip("0").rstrip(".") or "0"
    if style == 2 and n % 10**dec == 0:
        return n // 10**dec  # what a decoder gives for a whole number
    exp = "e" if n % 2 else "E"
    if style == 3 and n:
        return f"{n}{exp}-{dec}"
    if style == 4 and dec >= 3:  # a dot where the padded text has it, yet an exponent
        return f"{n}.{'0' * (dec - 2 - len(str(dec)))}{exp}-{dec}"
    return padded


class _Reference:
    """The simplest correct book: sorted dicts rebuilt from scratch, levels by their value."""

    def __init__(self, depth: int, pdec: int, qdec: int) -> None:
        self.depth, self.pdec, self.qdec = depth, pdec, qdec
        self.sides: dict[str, dict[int, int]] = {"ask": {}, "bid": {}}
        self.truncated: list[tuple[str, str]] = []

    def apply(self, name: str, levels: list[tuple[int, int]]) -> None:
        side = self.sides[name]
        for price, qty in levels:
            if qty:
                side[price] = qty
            else:
                side.pop(price, None)
        ranked = sorted(side, reverse=name == "bid")
        for price in ranked[self.depth :]:
            del side[price]
            self.truncated.append((name, self.text(price, self.pdec)))

    def text(self, n: int, dec: int) -> str:
        return str(_spell(n, dec, 0))

    def pairs(self, name: str) -> list[tuple[str, str]]:
        side = self.sides[name]
        return [
            (self.text(p, self.pdec), self.text(side[p], self.qdec))
            for p in sorted(side, reverse=name == "bid")
        ]


@settings(max_examples=120, deadline=None)
@given(
    pdec=st.integers(min_value=0, max_value=4),
    qdec=st.integers(min_value=0, max_value=8),
    depth=st.sampled_from([10, 12, 25]),
    spare=st.sampled_from([0, 4, 1024]),
    messages=st.lists(
        st.lists(
            st.tuples(
                st.booleans(),
                st.integers(min_value=1, max_value=60),
                st.integers(min_value=0, max_value=3000),
                st.integers(min_value=0, max_value=4),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_engine_equals_simple_reference_over_messages(
    pdec: int,
    qdec: int,
    depth: int,
    spare: int,
    messages: list[list[tuple[bool, int, int, int]]],
) -> None:
    """Messages of several levels (repeats, deletes, any spelling) give the reference's book."""
    from kraken_cli.client import book as book_module

    # a tiny price cache forgets prices all the time: the result must not change
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(book_module, "_PRICE_CACHE_SPARE", spare)
        book = Book("X/Y", depth, pdec, qdec)
    book.truncated = []
    ref = _Reference(depth, pdec, qdec)
    for msg in messages:
        wire: dict[str, list[dict[str, object]]] = {"ask": [], "bid": []}
        plain: dict[str, list[tuple[int, int]]] = {"ask": [], "bid": []}
        for is_bid, tick, qty, style in msg:
            name = "bid" if is_bid else "ask"
            price = tick if is_bid else tick + 100  # the sides never cross
            wire[name].append(
                {"price": _spell(price, pdec, style), "qty": _spell(qty, qdec, style)}
            )
            plain[name].append((price, qty))
        book.apply_update(wire["ask"], wire["bid"])
        ref.apply("ask", plain["ask"])
        ref.apply("bid", plain["bid"])
        asks, bids = ref.pairs("ask"), ref.pairs("bid")
        assert book.asks.pairs() == asks
        assert book.bids.pairs() == bids
        assert book.checksum() == book_checksum(asks, bids)
        assert sorted(book.truncated) == sorted(ref.truncated)
        book.truncated.clear()
        ref.truncated.clear()
    assert book.snapshot(5) == ([list(p) for p in bids[:5]], [list(p) for p in asks[:5]])


def test_isal_crc32_is_used_when_installed() -> None:
    """The ``fast`` extra's CRC32 is the one the book uses (make install includes it)."""
    from kraken_cli.client import book as book_module

    isal_zlib = pytest.importorskip("isal.isal_zlib")
    assert book_module.crc32 is isal_zlib.crc32
