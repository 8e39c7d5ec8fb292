"""Kraken assets and pairs, and the pure index that maps any user spelling to one pair.

A market has four spellings (PROTOCOL §5.2): pair key ``XXBTZUSD``, altname ``XBTUSD``, v1
wsname ``XBT/USD`` and the v2 symbol ``BTC/USD``. krx's canonical symbol is the v2 form
``BASE/QUOTE`` with ``BTC``/``DOGE`` (never ``XBT``/``XDG``). The index is built from the
``AssetPairs`` and ``Assets`` results only; concatenated input such as ``BTCUSDT`` is resolved by
lookup, never by splitting the string heuristically (PROTOCOL §5.3).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.errors import UnknownSymbolError
from kraken_cli.models.numbers import reply_of

#: Kraken's legacy asset codes and the names the rest of the world (and WS v2) uses.
ALIASES = {"XBT": "BTC", "XDG": "DOGE"}
_REVERSE = {v: k for k, v in ALIASES.items()}
_SEPARATORS = str.maketrans({"-": "/", "_": "/", " ": "/", ":": "/"})


def norm_code(code: str) -> str:
    """Return the canonical asset code: upper case, ``XBT``->``BTC``, ``XDG``->``DOGE``."""
    code = code.strip().upper()
    head, dot, tail = code.partition(".")
    return ALIASES.get(head, head) + dot + tail


def code_variants(code: str) -> tuple[str, ...]:
    """Return every spelling of a canonical code (``BTC`` -> ``BTC``, ``XBT``)."""
    head, dot, tail = code.partition(".")
    legacy = _REVERSE.get(head)
    return (code,) if legacy is None else (code, legacy + dot + tail)


def _strip_legacy_prefix(asset_id: str) -> str:
    # Old asset ids carry a class prefix (XXBT, ZUSD); only used when Assets lacks the id.
    if len(asset_id) == 4 and asset_id[0] in "XZ" and "." not in asset_id:
        return asset_id[1:]
    return asset_id


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class Asset:
    """One Kraken asset (``Assets`` entry)."""

    id: str
    altname: str
    code: str
    decimals: int
    display_decimals: int
    status: str
    aclass: str

    @classmethod
    def from_kraken(cls, asset_id: str, raw: Mapping[str, Any]) -> Asset:
        """Build from one ``Assets`` result entry."""
        altname = str(raw.get("altname") or asset_id)
        return cls(
            id=asset_id,
            altname=altname,
            code=norm_code(altname),
            decimals=int(raw.get("decimals", 0)),
            display_decimals=int(raw.get("display_decimals", 0)),
            status=str(raw.get("status", "")),
            aclass=str(raw.get("aclass", "")),
        )

    def to_record(self) -> dict[str, Any]:
        """Return the record ``krx assets`` prints."""
        return {
            "asset": self.code,
            "id": self.id,
            "altname": self.altname,
            "decimals": self.decimals,
            "display_decimals": self.display_decimals,
            "aclass": self.aclass,
            "status": self.status,
        }


@dataclass(frozen=True)
class Pair:
    """One tradable spot pair with the precision and limits other modules need."""

    key: str
    altname: str
    wsname: str
    symbol: str
    base: str
    quote: str
    base_id: str
    quote_id: str
    pair_decimals: int
    lot_decimals: int
    cost_decimals: int
    tick_size: Decimal | None
    ordermin: Decimal | None
    costmin: Decimal | None
    leverage_buy: tuple[int, ...] = ()
    leverage_sell: tuple[int, ...] = ()
    status: str = "online"
    aclass_base: str = "currency"

    @property
    def compact(self) -> str:
        """Return the symbol without the slash (``BTCUSDT``)."""
        return self.base + self.quote

    @property
    def marginable(self) -> bool:
        """Whether the pair can be traded with leverage (``--market margin``)."""
        return bool(self.leverage_buy or self.leverage_sell)

    def to_record(self) -> dict[str, Any]:
        """Return the record ``krx symbols`` prints."""
        return {
            "symbol": self.symbol,
            "key": self.key,
            "altname": self.altname,
            "wsname": self.wsname,
            "base": self.base,
            "quote": self.quote,
            "pair_decimals": self.pair_decimals,
            "lot_decimals": self.lot_decimals,
            "cost_decimals": self.cost_decimals,
            "tick_size": self.tick_size,
            "ordermin": self.ordermin,
            "costmin": self.costmin,
            "max_leverage": max(self.leverage_buy, default=None),
            "status": self.status,
        }

    @classmethod
    def from_kraken(
        cls, key: str, raw: Mapping[str, Any], assets: Mapping[str, Mapping[str, Any]]
    ) -> Pair:
        """Build from one ``AssetPairs`` result entry and the ``Assets`` result."""
        base_id = str(raw.get("base", ""))
        quote_id = str(raw.get("quote", ""))
        wsname = str(raw.get("wsname") or "")
        ws_base, _, ws_quote = wsname.partition("/")
        base = asset_code(base_id, assets, ws_base)
        quote = asset_code(quote_id, assets, ws_quote)
        return cls(
            key=key,
            altname=str(raw.get("altname") or key),
            wsname=wsname,
            symbol=f"{base}/{quote}",
            base=base,
            quote=quote,
            base_id=base_id,
            quote_id=quote_id,
            pair_decimals=int(raw.get("pair_decimals", 0)),
            lot_decimals=int(raw.get("lot_decimals", 0)),
            cost_decimals=int(raw.get("cost_decimals", 0)),
            tick_size=_dec(raw.get("tick_size")),
            ordermin=_dec(raw.get("ordermin")),
            costmin=_dec(raw.get("costmin")),
            leverage_buy=tuple(int(x) for x in raw.get("leverage_buy") or ()),
            leverage_sell=tuple(int(x) for x in raw.get("leverage_sell") or ()),
            status=str(raw.get("status", "online")),
            aclass_base=str(raw.get("aclass_base", "currency")),
        )


def asset_code(asset_id: str, assets: Mapping[str, Mapping[str, Any]], ws_part: str) -> str:
    """Return the canonical code of a pair's asset: its ``Assets`` altname, else its wsname part."""
    raw_asset = assets.get(asset_id)
    if raw_asset is not None:
        return norm_code(str(raw_asset.get("altname") or asset_id))
    if ws_part:
        return norm_code(ws_part)
    return norm_code(_strip_legacy_prefix(asset_id))


def normalise_input(text: str) -> str:
    """Upper-case a user symbol and turn ``-``/``_``/space separators into ``/``."""
    parts = (p.strip() for p in text.upper().translate(_SEPARATORS).split("/"))
    return "/".join(p for p in parts if p)


class SymbolIndex:
    """Every spelling of every pair, resolved to the one :class:`Pair`.

    Names are indexed from the raw ``AssetPairs``/``Assets`` results and a :class:`Pair` is built
    only when asked for: a one-shot command resolves one symbol of Kraken's ~1,450 pairs, and
    building them all (Decimals, a dataclass each) cost more than the rest of its start-up.
    """

    __slots__ = ("_asset_codes", "_assets", "_built", "_by_name", "_pairs", "_raw", "_raw_assets")

    def __init__(self, asset_pairs: Mapping[str, Any], assets: Mapping[str, Any]) -> None:
        self._raw = asset_pairs
        self._raw_assets = assets
        self._by_name: dict[str, str] = {}  # spelling -> pair key
        self._asset_codes: dict[str, str] = {}
        self._built: dict[str, Pair] = {}
        self._pairs: tuple[Pair, ...] | None = None
        self._assets: dict[str, Asset] | None = None

    @classmethod
    def build(
        cls, asset_pairs: Mapping[str, Any], assets: Mapping[str, Any] | None = None
    ) -> SymbolIndex:
        """Build from the ``AssetPairs`` and ``Assets`` results (``result`` objects)."""
        index = cls(asset_pairs, assets or {})
        index._build()
        return index

    @property
    def assets(self) -> Mapping[str, Asset]:
        """Every asset by Kraken id."""
        if self._assets is None:
            with reply_of("Assets"):
                self._assets = {k: Asset.from_kraken(k, v) for k, v in self._raw_assets.items()}
        return self._assets

    @property
    def pairs(self) -> tuple[Pair, ...]:
        """Every pair, in Kraken's order."""
        if self._pairs is None:
            self._pairs = tuple(self._pair(key) for key in self._raw)
        return self._pairs

    def _pair(self, key: str) -> Pair:
        pair = self._built.get(key)
        if pair is None:
            with reply_of("AssetPairs"):  # built on first use, so checked on first use
                pair = self._built[key] = Pair.from_kraken(key, self._raw[key], self._raw_assets)
        return pair

    def _build(self) -> None:
        # The names of each pair's Pair (same codes: asset_code), from the raw entries.
        codes = self._asset_codes
        for asset_id, raw_asset in self._raw_assets.items():
            altname = str(raw_asset.get("altname") or asset_id)
            code = norm_code(altname)
            for name in (asset_id, altname, code, *code_variants(code)):
                codes.setdefault(name.upper(), code)
        named: list[tuple[str, list[str], list[str]]] = []
        pair_codes: list[tuple[str, str, str, str]] = []
        for key, raw in self._raw.items():
            base_id = str(raw.get("base", ""))
            quote_id = str(raw.get("quote", ""))
            wsname = str(raw.get("wsname") or "")
            ws_base, _, ws_quote = wsname.partition("/")
            base = asset_code(base_id, self._raw_assets, ws_base)
            quote = asset_code(quote_id, self._raw_assets, ws_quote)
            exact = [key.upper(), str(raw.get("altname") or key).upper(), f"{base}/{quote}"]
            if wsname:
                exact.append(wsname.upper())
            named.append((key, exact, _symbol_names(base, quote, base_id, quote_id)))
            pair_codes.append((base_id, base, quote_id, quote))
        by_name = self._by_name
        # Priority order: a name already taken by a stronger spelling is never overwritten.
        for key, exact, _ in named:
            for name in exact:
                by_name.setdefault(name, key)
        for key, _, spelled in named:
            for name in spelled:
                by_name.setdefault(name, key)
        for base_id, base, quote_id, quote in pair_codes:
            for asset_id, code in ((base_id, base), (quote_id, quote)):
                for name in (asset_id, code, *code_variants(code)):
                    codes.setdefault(name.upper(), code)

    def lookup(self, text: str) -> Pair | None:
        """Return the pair a user spelling names, or None."""
        name = normalise_input(text)
        if not name:
            return None
        key = self._by_name.get(name) or self._by_name.get(name.replace("/", ""))
        if key is None:
            base, slash, quote = name.partition("/")
            if slash and "/" not in quote:
                b, q = self._asset_codes.get(base), self._asset_codes.get(quote)
                if b and q:
                    key = self._by_name.get(f"{b}/{q}")
        return None if key is None else self._pair(key)

    def resolve(self, text: str) -> Pair:
        """Return the pair for ``text`` or raise UnknownSymbolError with close matches."""
        pair = self.lookup(text)
        if pair is None:
            raise unknown_symbol(text, self.suggest(text))
        return pair

    def suggest(self, text: str, n: int = 5) -> list[str]:
        """Return up to ``n`` canonical symbols close to ``text``."""
        name = normalise_input(text)
        compact = name.replace("/", "")
        for legacy, code in ALIASES.items():
            compact = compact.replace(legacy, code)
        by_compact = {p.compact: p.symbol for p in self.pairs}
        close = difflib.get_close_matches(compact, list(by_compact), n=n, cutoff=0.6)
        out = [by_compact[c] for c in close]
        base = self._asset_codes.get(name.partition("/")[0])
        if base and len(out) < n:
            out += [p.symbol for p in self.pairs if p.base == base and p.symbol not in out]
        return out[:n]

    def asset_code(self, text: str) -> str | None:
        """Return the canonical code for an asset spelling (``XXBT``, ``xbt``, ``BTC``)."""
        return self._asset_codes.get(text.strip().upper())

    def filter(self, *, quote: str | None = None, base: str | None = None) -> list[Pair]:
        """Return the pairs with the given quote/base asset (any spelling), sorted by symbol."""
        q = (self.asset_code(quote) or norm_code(quote)) if quote else None
        b = (self.asset_code(base) or norm_code(base)) if base else None
        chosen = [
            p for p in self.pairs if (q is None or p.quote == q) and (b is None or p.base == b)
        ]
        return sorted(chosen, key=lambda p: p.symbol)


def _symbol_names(base: str, quote: str, base_id: str, quote_id: str) -> list[str]:
    names: list[str] = []
    for b in code_variants(base):
        for q in code_variants(quote):
            names += (f"{b}/{q}", f"{b}{q}")
    names.append((base_id + quote_id).upper())
    return names


def unknown_symbol(text: str, suggestions: list[str]) -> UnknownSymbolError:
    """Build the UnknownSymbolError for ``text`` with its "did you mean" hint."""
    from kraken_cli.models.futures import spot_market_hint

    futures_hint = spot_market_hint(text)
    if futures_hint:  # PF_XBTUSD given to a spot command: say which market it belongs to
        return UnknownSymbolError(f"unknown spot symbol {text!r}", hint=futures_hint)
    hint = (
        "did you mean: " + ", ".join(suggestions) + "?"
        if suggestions
        else "run `krx symbols` to list the pairs"
    )
    return UnknownSymbolError(f"unknown symbol {text!r}", hint=hint)


def result_rows(result: Mapping[str, Any]) -> Any:
    """Return the data under the one result key that is not ``last`` (PROTOCOL §0.6)."""
    keys = [k for k in result if k != "last"]
    if not keys:
        return None
    return result[keys[0]]
