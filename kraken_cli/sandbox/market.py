"""The sandbox's fixed market catalogue: assets and pairs shaped like Kraken's metadata.

Kraken names one market four ways (PROTOCOL §5.2): pair key (``XXBTZUSD``), altname
(``XBTUSD``), v1 wsname (``XBT/USD``) and v2 symbol (``BTC/USD``). REST accepts the key, the
altname and ``BASE/QUOTE``; WS v2 accepts only the v2 symbol.
https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kraken_cli.sandbox.wire import Raw


@dataclass(frozen=True)
class Asset:
    """One asset: Kraken id, altname, v2 id and precisions."""

    id: str
    altname: str
    v2: str
    decimals: int
    display_decimals: int
    collateral_value: str
    margin_rate: str


@dataclass(frozen=True)
class Pair:
    """One spot pair with the fields AssetPairs reports and a reference price."""

    key: str
    altname: str
    wsname: str
    symbol: str
    base: str
    quote: str
    pair_decimals: int
    lot_decimals: int
    cost_decimals: int
    ordermin: str
    costmin: str
    tick_size: str
    leverage: tuple[int, ...]
    position_limits: tuple[int, int]
    ref_price: str
    typical_volume: str
    #: ``leverage_sell`` when it differs from ``leverage`` (which is ``leverage_buy``)
    short_leverage: tuple[int, ...] | None = None

    @property
    def leverage_sell(self) -> tuple[int, ...]:
        """Leverage levels allowed for short (sell) margin orders."""
        return self.leverage if self.short_leverage is None else self.short_leverage

    def leverage_for(self, side: str) -> tuple[int, ...]:
        """Leverage levels allowed for a margin order on ``side`` (buy|sell)."""
        return self.leverage_sell if side == "sell" else self.leverage

    @property
    def tick_units(self) -> int:
        """Tick size in price units (10**-pair_decimals)."""
        return int(Decimal(self.tick_size) * 10**self.pair_decimals)


ASSETS: dict[str, Asset] = {
    a.id: a
    for a in (
        Asset("XXBT", "XBT", "BTC", 10, 5, "0.99", "0.01"),
        Asset("ZUSD", "USD", "USD", 4, 2, "1.0", "0.036"),
        Asset("USDT", "USDT", "USDT", 8, 4, "0.99", "0.02"),
        Asset("XETH", "ETH", "ETH", 10, 5, "0.99", "0.02"),
        Asset("XXDG", "XDG", "DOGE", 8, 2, "0.925", "0.02"),
        Asset("SHIB", "SHIB", "SHIB", 5, 0, "0.9", "0.04"),
    )
}

_LEV = (2, 3, 4, 5, 6, 7, 8, 9, 10)

PAIRS: dict[str, Pair] = {
    p.key: p
    for p in (
        Pair(
            "XXBTZUSD",
            "XBTUSD",
            "XBT/USD",
            "BTC/USD",
            "XXBT",
            "ZUSD",
            1,
            8,
            5,
            "0.00005",
            "0.5",
            "0.1",
            _LEV,
            (350, 250),
            "64000.0",
            "0.05",
        ),
        Pair(
            "XBTUSDT",
            "XBTUSDT",
            "XBT/USDT",
            "BTC/USDT",
            "XXBT",
            "USDT",
            1,
            8,
            5,
            "0.00005",
            "0.5",
            "0.1",
            _LEV,
            (350, 250),
            "64012.0",
            "0.04",
        ),
        Pair(
            "XETHZUSD",
            "ETHUSD",
            "ETH/USD",
            "ETH/USD",
            "XETH",
            "ZUSD",
            2,
            8,
            5,
            "0.002",
            "0.5",
            "0.01",
            _LEV,
            (3000, 2000),
            "3150.00",
            "0.8",
        ),
        Pair(
            "XETHXXBT",
            "ETHXBT",
            "ETH/XBT",
            "ETH/BTC",
            "XETH",
            "XXBT",
            5,
            8,
            10,
            "0.001",
            "0.00002",
            "0.00001",
            (2, 3, 4, 5),
            (1000, 800),
            "0.04920",
            "0.6",
            (2, 3),  # Kraken lists fewer short levels on some crosses
        ),
        Pair(
            "XDGUSD",
            "XDGUSD",
            "XDG/USD",
            "DOGE/USD",
            "XXDG",
            "ZUSD",
            7,
            8,
            9,
            "50",
            "0.5",
            "0.0000001",
            _LEV,
            (30000000, 30000000),
            "0.1523000",
            "900",
        ),
        Pair(
            "SHIBUSD",
            "SHIBUSD",
            "SHIB/USD",
            "SHIB/USD",
            "SHIB",
            "ZUSD",
            8,
            5,
            5,
            "200000",
            "0.5",
            "0.00000001",
            (),
            (0, 0),
            "0.00002345",
            "5000000",
        ),
    )
}

_BY_NAME: dict[str, Pair] = {}
_BY_SYMBOL: dict[str, Pair] = {}


def add_pairs(assets: list[Asset], pairs: list[Pair]) -> None:
    """Add assets and pairs to the catalogue (the many-pairs mode, ``--pairs N``)."""
    ASSETS.update((a.id, a) for a in assets)
    for pair in pairs:
        PAIRS[pair.key] = pair
        _BY_NAME[pair.key] = _BY_NAME[pair.altname] = pair
        _BY_SYMBOL[pair.symbol] = pair


add_pairs([], list(PAIRS.values()))
# REST also understands the classic BASE/QUOTE spelled with altnames ("XBT/USD" excluded: REC26
# recorded Kraken refusing the v1 wsname, so only the v2 symbol is a REST name here).


def rest_pair(name: str) -> Pair | None:
    """Resolve a REST ``pair`` value (key, altname or BASE/QUOTE); None if unknown."""
    upper = name.strip().upper()
    if "/" in upper:
        return _BY_SYMBOL.get(upper)
    return _BY_NAME.get(upper)


def ws_pair(symbol: str) -> Pair | None:
    """Resolve a WS v2 symbol (``BTC/USD``); the v1 wsname is refused like Kraken does."""
    return _BY_SYMBOL.get(symbol)


#: Fiat Kraken values balances in that the sandbox has no market for: fixed USD rates
#: (TradeBalance ``asset=ZEUR`` etc.; pykrakenapi asks for ZEUR by default).
REFERENCE_FIAT_USD = {
    "ZEUR": Decimal("1.08"),
    "ZGBP": Decimal("1.27"),
    "ZCAD": Decimal("0.73"),
    "ZJPY": Decimal("0.0067"),
    "CHF": Decimal("1.12"),
    "ZAUD": Decimal("0.66"),
}


def asset_id(name: str) -> str | None:
    """Resolve an asset id or altname (``XXBT``, ``XBT``, ``ZEUR``, ``EUR``); None if unknown."""
    upper = name.strip().upper()
    for known in (*ASSETS, *REFERENCE_FIAT_USD):
        if upper in (known, known[1:] if len(known) == 4 and known[0] in "XZ" else known):
            return known
    by_alt = {a.altname: a.id for a in ASSETS.values()}
    return by_alt.get(upper)


def asset_json(asset: Asset) -> dict[str, object]:
    """Render one Assets entry like the 2026 live sample."""
    return {
        "aclass": "currency",
        "altname": asset.altname,
        "decimals": asset.decimals,
        "display_decimals": asset.display_decimals,
        "collateral_value": Raw(asset.collateral_value),
        "status": "enabled",
        "margin_rate": asset.margin_rate,
    }


def pair_json(pair: Pair, info: str = "info") -> dict[str, object]:
    """Render one AssetPairs entry like the 2026 live sample (``info`` variants trimmed)."""
    if info == "leverage":
        return {"leverage_buy": list(pair.leverage), "leverage_sell": list(pair.leverage_sell)}
    if info == "fees":
        return {"fees": [], "fees_maker": [], "fee_volume_currency": "ZUSD"}
    if info == "margin":
        return {"margin_call": 80, "margin_stop": 40}
    out: dict[str, object] = {
        "altname": pair.altname,
        "wsname": pair.wsname,
        "aclass_base": "currency",
        "base": pair.base,
        "aclass_quote": "currency",
        "quote": pair.quote,
        "lot": "unit",
        "cost_decimals": pair.cost_decimals,
        "pair_decimals": pair.pair_decimals,
        "lot_decimals": pair.lot_decimals,
        "lot_multiplier": 1,
        "leverage_buy": list(pair.leverage),
        "leverage_sell": list(pair.leverage_sell),
        "fees": [],
        "fees_maker": [],
        "fee_volume_currency": "ZUSD",
        "margin_call": 80,
        "margin_stop": 40,
        "ordermin": pair.ordermin,
        "costmin": pair.costmin,
        "tick_size": pair.tick_size,
        "status": "online",
        "execution_venue": "international",
    }
    if pair.leverage:
        out["long_position_limit"] = pair.position_limits[0]
        out["short_position_limit"] = pair.position_limits[1]
    return out


def _num(text: str) -> Raw:
    # the instrument channel writes these as floats ("qty_min": 4.0), never as integers
    return Raw(text if "." in text or "e" in text else text + ".0")


def instrument_data() -> dict[str, object]:
    """Build the WS v2 ``instrument`` snapshot data (assets and pairs)."""
    assets = [
        {
            "id": a.v2,
            "status": "enabled",
            "precision": a.decimals,
            "precision_display": a.display_decimals,
            "borrowable": a.id in ("XXBT", "ZUSD", "XETH"),
            "collateral_value": _num(a.collateral_value),
            "margin_rate": _num(a.margin_rate),
        }
        for a in ASSETS.values()
    ]
    pairs: list[dict[str, object]] = []
    for p in PAIRS.values():
        entry: dict[str, object] = {
            "symbol": p.symbol,
            "base": ASSETS[p.base].v2,
            "quote": ASSETS[p.quote].v2,
            "status": "online",
            "qty_precision": p.lot_decimals,
            "qty_increment": _num(f"1e-{p.lot_decimals:02d}"),
            "price_precision": p.pair_decimals,
            "cost_precision": p.cost_decimals,
            "marginable": bool(p.leverage),
            "has_index": True,
            "cost_min": _num(p.costmin),
        }
        if p.leverage:
            entry["margin_initial"] = _num("0.2")
            entry["position_limit_long"] = p.position_limits[0]
            entry["position_limit_short"] = p.position_limits[1]
        entry["tick_size"] = _num(p.tick_size)
        entry["price_increment"] = _num(p.tick_size)
        entry["qty_min"] = _num(p.ordermin)
        pairs.append(entry)
    return {"assets": assets, "pairs": pairs}
