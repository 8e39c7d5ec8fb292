"""The pure symbol index on the real AssetPairs/Assets samples (PROTOCOL §5.3)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kraken_cli.errors import UnknownSymbolError, UsageError
from kraken_cli.models.symbols import (
    SymbolIndex,
    code_variants,
    norm_code,
    normalise_input,
    result_rows,
)

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())["result"]


def with_usdt(
    pairs: dict[str, Any], assets: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Add BTC/USDT (key XBTUSDT, as Kraken lists it) derived from the real XXBTZUSD entry."""
    pairs = copy.deepcopy(pairs)
    assets = copy.deepcopy(assets)
    usdt = dict(pairs["XXBTZUSD"], altname="XBTUSDT", wsname="XBT/USDT", quote="USDT")
    pairs["XBTUSDT"] = usdt
    assets["USDT"] = dict(assets["ZUSD"], altname="USDT")
    return pairs, assets


@pytest.fixture(scope="module")
def index() -> SymbolIndex:
    pairs, assets = with_usdt(load("rest-public-AssetPairs.json"), load("rest-public-Assets.json"))
    return SymbolIndex.build(pairs, assets)


def test_real_samples_give_canonical_v2_symbols() -> None:
    idx = SymbolIndex.build(load("rest-public-AssetPairs.json"), load("rest-public-Assets.json"))
    assert sorted(p.symbol for p in idx.pairs) == [
        "ACA/EUR",
        "BTC/USD",
        "DOGE/USD",
        "ETH/BTC",
        "SOL/USD",
    ]
    btc = idx.resolve("XBTUSD")
    assert (btc.key, btc.altname, btc.wsname) == ("XXBTZUSD", "XBTUSD", "XBT/USD")
    assert (btc.base, btc.quote, btc.base_id, btc.quote_id) == ("BTC", "USD", "XXBT", "ZUSD")
    assert (btc.pair_decimals, btc.lot_decimals, btc.cost_decimals) == (1, 8, 5)
    assert btc.tick_size == Decimal("0.1")
    assert btc.ordermin == Decimal("0.00005")
    assert btc.costmin == Decimal("0.5")
    assert btc.leverage_buy == (2, 3, 4, 5, 6, 7, 8, 9, 10)
    assert btc.status == "online"
    assert idx.resolve("ACA/EUR").leverage_buy == ()


def test_docs_example_without_full_assets_table() -> None:
    # The docs sample's Assets lacks XETH; the wsname fills in the code.
    idx = SymbolIndex.build(
        load("rest-public-AssetPairs-docs-example.json"),
        load("rest-public-Assets-docs-example.json"),
    )
    assert idx.resolve("eth/btc").key == "XETHXXBT"
    assert idx.resolve("ETHXBT").symbol == "ETH/BTC"


@pytest.mark.parametrize(
    "text", ["BTCUSDT", "btc/usdt", "BTC-USDT", "XBTUSDT", "XBT/USDT", "xbt_usdt", " btcusdt "]
)
def test_every_spelling_of_btc_usdt(index: SymbolIndex, text: str) -> None:
    pair = index.resolve(text)
    assert pair.key == "XBTUSDT"
    assert pair.symbol == "BTC/USDT"


@pytest.mark.parametrize(
    "text", ["XXBTZUSD", "XBTUSD", "BTCUSD", "btc/usd", "XBT/USD", "XXBT/ZUSD", "BTC-USD"]
)
def test_every_spelling_of_btc_usd(index: SymbolIndex, text: str) -> None:
    assert index.resolve(text).key == "XXBTZUSD"


@pytest.mark.parametrize("text", ["DOGEUSD", "XDGUSD", "doge/usd", "XDG/USD", "XXDG/ZUSD"])
def test_doge_and_xdg_are_one_asset(index: SymbolIndex, text: str) -> None:
    pair = index.resolve(text)
    assert pair.key == "XDGUSD"
    assert pair.symbol == "DOGE/USD"


def test_unknown_symbol_suggests_close_pairs(index: SymbolIndex) -> None:
    with pytest.raises(UnknownSymbolError) as info:
        index.resolve("BTCUSDX")
    assert isinstance(info.value, UsageError)
    assert info.value.hint is not None
    assert "BTC/USD" in info.value.hint and "BTC/USDT" in info.value.hint
    assert index.suggest("DOGEEUR")[0] == "DOGE/USD"


def test_unknown_symbol_without_neighbours_points_to_symbols(index: SymbolIndex) -> None:
    with pytest.raises(UnknownSymbolError) as info:
        index.resolve("QQQQQQQQ")
    assert info.value.hint and "krx symbols" in info.value.hint


def test_filter_by_quote_in_any_spelling(index: SymbolIndex) -> None:
    assert [p.symbol for p in index.filter(quote="ZUSD")] == ["BTC/USD", "DOGE/USD", "SOL/USD"]
    assert [p.symbol for p in index.filter(quote="xbt")] == ["ETH/BTC"]
    assert index.asset_code("XXDG") == "DOGE"


def test_norm_code_and_variants() -> None:
    assert norm_code("xbt") == "BTC"
    assert norm_code("XDG") == "DOGE"
    assert norm_code("XBT.M") == "BTC.M"
    assert code_variants("BTC") == ("BTC", "XBT")
    assert code_variants("USD") == ("USD",)


def test_result_rows_takes_the_non_last_key() -> None:
    res = load("rest-public-OHLC-pair-BTC-USD.json")
    assert len(result_rows(res)) == 4
    assert result_rows({"last": 1}) is None


_SEPS = st.sampled_from(["", "/", "-", "_", " "])


@given(
    data=st.data(),
    sep=_SEPS,
    upper=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_property_any_case_separator_alias_reaches_the_pair(
    index: SymbolIndex, data: st.DataObject, sep: str, upper: list[bool]
) -> None:
    pair = data.draw(st.sampled_from(index.pairs))
    base = data.draw(st.sampled_from(code_variants(pair.base)))
    quote = data.draw(st.sampled_from(code_variants(pair.quote)))
    text = base + sep + quote
    cased = "".join(c.upper() if upper[i % 12] else c.lower() for i, c in enumerate(text))
    assert index.resolve(cased) is pair


@given(st.text(max_size=20))
@example("0\x1f:")  # white space inside a part, found by hypothesis
def test_property_normaliser_never_crashes_and_is_idempotent(text: str) -> None:
    once = normalise_input(text)
    assert normalise_input(once) == once
    assert "-" not in once and "_" not in once and "//" not in once


@given(st.text(max_size=12))
def test_property_lookup_returns_pair_or_raises_usage(text: str) -> None:
    idx = SymbolIndex.build(load("rest-public-AssetPairs.json"), load("rest-public-Assets.json"))
    try:
        pair = idx.resolve(text)
    except UnknownSymbolError:
        return
    assert pair in idx.pairs


def test_pairs_are_built_on_first_use_and_every_spelling_reaches_its_own_pair() -> None:
    pairs, assets = with_usdt(load("rest-public-AssetPairs.json"), load("rest-public-Assets.json"))
    index = SymbolIndex.build(pairs, assets)
    btc = index.resolve("BTCUSD")
    assert btc.key == "XXBTZUSD" and index.resolve("xbt/usd") is btc  # built once, then reused
    for pair in index.pairs:  # the eagerly listed pairs are the ones lookups return
        spellings = (pair.key, pair.altname, pair.symbol, pair.wsname, pair.compact)
        assert all(index.lookup(s) is pair for s in spellings if s), pair.symbol


def test_a_malformed_pair_is_a_protocol_error_when_it_is_first_used() -> None:
    from kraken_cli.errors import ProtocolError

    pairs = load("rest-public-AssetPairs.json")
    pairs["XXBTZUSD"] = dict(pairs["XXBTZUSD"], pair_decimals="one")
    index = SymbolIndex.build(pairs, load("rest-public-Assets.json"))
    assert index.resolve("SOLUSD").symbol == "SOL/USD"  # the others still resolve
    with pytest.raises(ProtocolError, match="AssetPairs"):
        index.resolve("BTCUSD")
