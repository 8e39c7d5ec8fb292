"""``parse_trade_rows``: a Trades page straight to store rows, the same as trade by trade."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kraken_cli.models.market import parse_trade_row
from kraken_cli.models.numbers import Malformed
from kraken_cli.models.trade_rows import parse_trade_rows, trade_row

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def _slow(rows: list[Any]) -> list[Any]:
    return [trade_row(parse_trade_row(r, "A/B")) for r in rows]


def _page(name: str) -> list[Any]:
    reply = json.loads((SAMPLES / name).read_text(), parse_float=str)
    rows = [v for k, v in reply["result"].items() if k != "last"]
    return list(rows[0])


def test_real_pages_keep_their_text_and_match_the_decimal_path() -> None:
    for name in (
        "rest-public-Trades-pair-BTC-USD.json",
        "rest-public-Trades-ccxt-8-element-row.json",
    ):
        rows = _page(name)
        fast = parse_trade_rows(rows, "A/B")
        assert fast == _slow(rows)
        assert [r[2] for r in fast] == [r[0] for r in rows]  # price text as sent
    (first, *_) = parse_trade_rows(_page("rest-public-Trades-pair-BTC-USD.json"), "A/B")
    assert first == (109118758, 1790359840939291200, "83930.30000", "0.00005100", "s", "l", "")


def test_unusual_rows_take_the_decimal_path() -> None:
    base = ["100.5", "0.1", "1790359840.5", "b", "m", "", 7]
    for changed in (
        {0: "00100.5"},  # leading zero: normalised as before
        {1: "1E-3"},  # exponent
        {2: 1790359840},  # a whole-second time sent as a JSON integer
        {2: "1790359840.1234567891"},  # more than ns: rounded as before
        {6: "8"},  # id as text
    ):
        row = list(base)
        for i, v in changed.items():
            row[i] = v
        rows = [list(base), row]
        assert parse_trade_rows(rows, "A/B") == _slow(rows)
    assert parse_trade_rows([], "A/B") == []


def test_malformed_rows_are_refused() -> None:
    for bad in (
        ["1", "1", "1790359840.5", "x", "m", "", 1],
        ["1", "1", "1790359840.5", "b", "m", "", None],
        ["1", "1", "1790359840.5", "b"],
        ["one", "1", "1790359840.5", "b", "m", "", 1],
    ):
        try:
            parse_trade_rows([bad], "A/B")
        except Malformed:
            continue
        raise AssertionError(f"accepted {bad}")


_num = st.decimals(min_value=0, max_value=10**7, places=8, allow_nan=False)


@given(
    rows=st.lists(
        st.tuples(
            _num,
            _num,
            st.decimals(min_value=10**9, max_value=4 * 10**9, places=7),
            st.sampled_from("bs"),
            st.sampled_from("ml"),
            st.integers(min_value=0, max_value=2**53),
        ),
        max_size=20,
    )
)
def test_property_fast_path_equals_decimal_path(rows: list[tuple[Any, ...]]) -> None:
    wire = [
        [format(p, "f"), format(v, "f"), format(t, "f"), s, k, "", i] for p, v, t, s, k, i in rows
    ]
    assert parse_trade_rows(wire, "A/B") == _slow(wire)


@given(st.lists(st.lists(st.one_of(st.none(), st.text(max_size=3), st.integers()), max_size=8)))
def test_property_garbage_pages_raise_malformed_only(rows: list[Any]) -> None:
    with contextlib.suppress(Malformed):
        parse_trade_rows(rows, "A/B")


def test_times_keep_every_digit() -> None:
    (row,) = parse_trade_rows([["1", "1", "1790359840.000000001", "b", "m", "", 1]], "A/B")
    assert row[1] == 1790359840000000001
    assert Decimal(row[1]).scaleb(-9) == Decimal("1790359840.000000001")
