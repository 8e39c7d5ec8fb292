"""Futures symbol normalisation and resolution against the instruments list."""

from __future__ import annotations

import pytest

from kraken_cli.errors import UnknownSymbolError
from kraken_cli.models.futures import (
    FuturesIndex,
    candidates,
    iso_ms,
    normalize_symbol,
    spot_market_hint,
)
from tests.futures.helpers import sample

INDEX = FuturesIndex.from_wire(sample("futures-rest-instruments.json")["instruments"])


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("BTCUSD", "PF_XBTUSD"),
        ("btc/usd", "PF_XBTUSD"),
        ("XBTUSD", "PF_XBTUSD"),
        ("xbt-usd", "PF_XBTUSD"),
        ("XXBTZUSD", "PF_XBTUSD"),
        ("pf_xbtusd", "PF_XBTUSD"),
        ("PI_XBTUSD", "PI_XBTUSD"),
        ("fi_xbtusd_261225", "FI_XBTUSD_261225"),
        ("FF_XBTUSD_261225", "FF_XBTUSD_261225"),
        ("DOGE/USD", "PF_DOGEUSD"),
        ("dogeusd", "PF_DOGEUSD"),
    ],
)
def test_resolve(text: str, symbol: str) -> None:
    assert INDEX.resolve(text).symbol == symbol


def test_normalize_without_instruments() -> None:
    assert normalize_symbol("BTC/USD") == "PF_XBTUSD"
    assert candidates("ETHUSD") == ["PF_ETHUSD", "PI_ETHUSD"]
    assert normalize_symbol("in_xbtusd") == "IN_XBTUSD"


def test_spot_only_symbol_suggests_closest_futures() -> None:
    with pytest.raises(UnknownSymbolError) as info:
        INDEX.resolve("BTCUSDT")
    hint = info.value.hint or ""
    assert "closest futures: PF_XBTUSD" in hint


def test_unknown_contract_lists_suggestions() -> None:
    with pytest.raises(UnknownSymbolError) as info:
        INDEX.resolve("PF_XBTUSX")
    assert "PF_XBTUSD" in (info.value.hint or "")


def test_futures_symbol_on_spot_gets_market_hint() -> None:
    assert spot_market_hint("pf_xbtusd") == (
        "PF_XBTUSD is a Kraken Futures symbol: add --market futures"
    )
    assert spot_market_hint("BTCUSD") is None


def test_instrument_fields() -> None:
    pf = INDEX.resolve("PF_XBTUSD")
    assert (pf.base, pf.quote, pf.precision, pf.tick_size) == ("BTC", "USD", 4, "1")
    assert INDEX.resolve("PI_XBTUSD").type == "futures_inverse"


def test_iso_ms() -> None:
    assert iso_ms(1790359997224) == "2026-09-25T18:13:17.224Z"
    assert iso_ms(1000) == "1970-01-01T00:00:01.000Z"
