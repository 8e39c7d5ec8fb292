"""Kraken Futures instruments, symbol normalisation and wire-value helpers (pure).

Futures symbols (PROTOCOL §7.8): ``PF_`` linear perpetual, ``PI_`` inverse perpetual, ``FF_`` /
``FI_`` fixed maturity (``_YYMMDD``), ``in_`` index, ``rr_`` reference rate. Bitcoin is ``XBT``
in symbols. A spot-style spelling (``BTCUSD``, ``BTC/USD``, ``XBTUSD``) given with
``--market futures`` means the linear perpetual ``PF_XBTUSD``. Requests always send upper case.

Futures REST bodies carry prices as JSON *numbers*; krx parses them with ``parse_float=str`` so
the record holds the exact wire text (never a float).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kraken_cli.errors import UnknownSymbolError, UsageError

# Re-exported for older call sites; their home is models/numbers.py and models/times.py.
from kraken_cli.models.numbers import num as num
from kraken_cli.models.times import iso_ms as iso_ms
from kraken_cli.models.times import iso_wire as iso_wire
from kraken_cli.models.times import ms_from_iso as ms_from_iso

#: Tradeable contract prefixes, in the order a bare ``BASEQUOTE`` is tried.
CONTRACT_PREFIXES = ("PF", "PI", "FF", "FI")
INDEX_PREFIXES = ("IN", "RR")
_CONTRACT = re.compile(r"(PF|PI|FF|FI)_([A-Z0-9]+)(?:_(\d{6}))?")
_INDEX = re.compile(r"(IN|RR)_([A-Z0-9]+)")
_SEPARATORS = re.compile(r"[/\-_: ]+")
#: Asset spellings on the futures platform (``XBT`` in symbols; ``BTC`` in ``base``).
_TO_FUTURES = {"BTC": "XBT"}
_TO_COMMON = {"XBT": "BTC", "XDG": "DOGE"}
_QUOTES = ("USDT", "USDC", "USD", "EUR", "GBP")


def loads(text: str | bytes) -> Any:
    """Parse a futures JSON body keeping every non-integer number as its exact wire text."""
    return json.loads(text, parse_float=str)


def common_code(code: str) -> str:
    """Return the code the rest of krx uses for an asset (``XBT`` -> ``BTC``)."""
    up = code.strip().upper()
    return _TO_COMMON.get(up, up)


@dataclass(frozen=True)
class FuturesInstrument:
    """One entry of ``GET instruments``."""

    symbol: str
    type: str
    base: str
    quote: str
    tradeable: bool
    tick_size: str | None
    contract_size: str | None
    precision: int | None
    max_position_size: str | None
    expiry: str | None
    opening: str | None

    @property
    def perpetual(self) -> bool:
        """Whether the contract never expires (``PF_`` / ``PI_``)."""
        return self.symbol.startswith(("PF_", "PI_"))

    @classmethod
    def from_wire(cls, raw: Mapping[str, Any]) -> FuturesInstrument:
        """Build from one ``instruments[]`` object."""
        symbol = str(raw["symbol"]).upper()
        base, quote = _base_quote(symbol, raw)
        precision = raw.get("contractValueTradePrecision")
        return cls(
            symbol=symbol,
            type=str(raw.get("type", "")),
            base=base,
            quote=quote,
            tradeable=bool(raw.get("tradeable", True)),
            tick_size=num(raw.get("tickSize")),
            contract_size=num(raw.get("contractSize")),
            precision=None if precision is None else int(precision),
            max_position_size=num(raw.get("maxPositionSize")),
            expiry=iso_wire(raw.get("lastTradingTime")),
            opening=iso_wire(raw.get("openingDate")),
        )

    def to_record(self) -> dict[str, Any]:
        """Return the ``krx symbols --market futures`` record."""
        return {
            "symbol": self.symbol,
            "pair": f"{self.base}/{self.quote}",
            "base": self.base,
            "quote": self.quote,
            "type": self.type,
            "perpetual": self.perpetual,
            "expiry": self.expiry,
            "tradeable": self.tradeable,
            "tick_size": self.tick_size,
            "contract_size": self.contract_size,
            "size_precision": self.precision,
            "max_position_size": self.max_position_size,
        }


def _base_quote(symbol: str, raw: Mapping[str, Any]) -> tuple[str, str]:
    pair = str(raw.get("pair") or "")
    if ":" in pair:
        base, _, quote = pair.partition(":")
        return common_code(base), common_code(quote)
    if raw.get("base") and raw.get("quote"):
        return common_code(str(raw["base"])), common_code(str(raw["quote"]))
    match = _CONTRACT.fullmatch(symbol)
    body = match.group(2) if match else symbol
    for quote in _QUOTES:
        if body.endswith(quote) and len(body) > len(quote):
            return common_code(body[: -len(quote)]), quote
    return body, ""


def is_futures_symbol(text: str) -> bool:
    """Tell whether ``text`` is spelled like a futures symbol (``PF_XBTUSD``, ``in_xbtusd``)."""
    up = text.strip().upper()
    return bool(_CONTRACT.fullmatch(up) or _INDEX.fullmatch(up))


def spot_market_hint(text: str) -> str | None:
    """Return the hint for a futures symbol given to a spot command, else None."""
    if not is_futures_symbol(text):
        return None
    return f"{text.strip().upper()} is a Kraken Futures symbol: add --market futures"


def _compact(text: str) -> str:
    """Return ``BTC/USD`` -> ``XBTUSD``: separators dropped, bitcoin spelled ``XBT``."""
    parts = [p for p in _SEPARATORS.split(text.strip().upper()) if p]
    if len(parts) == 2:
        parts = [_TO_FUTURES.get(p, p) for p in parts]
        return "".join(parts)
    joined = "".join(parts)
    for spot, fut in _TO_FUTURES.items():
        if joined.startswith(spot):
            joined = fut + joined[len(spot) :]
    # Kraken's spot pair keys (XXBTZUSD) -> XBTUSD.
    if len(joined) == 8 and joined[0] == "X" and joined[4] == "Z":
        joined = joined[1:4] + joined[5:]
    return joined


def candidates(text: str) -> list[str]:
    """Return the futures symbols ``text`` may mean, most likely first (no network)."""
    up = text.strip().upper()
    if not up:
        raise UsageError("empty symbol", hint="e.g. PF_XBTUSD or BTCUSD with --market futures")
    if _CONTRACT.fullmatch(up) or _INDEX.fullmatch(up):
        return [up]
    body = _compact(up)
    return [f"{prefix}_{body}" for prefix in ("PF", "PI")]


def normalize_symbol(text: str) -> str:
    """Return the futures symbol for ``text`` without an instruments list (best guess)."""
    return candidates(text)[0]


def wire_symbol(symbol: str) -> str:
    """Return the symbol as a request expects it (index/reference-rate ids are lower case)."""
    return symbol.lower() if _INDEX.fullmatch(symbol.upper()) else symbol.upper()


@dataclass(frozen=True)
class FuturesIndex:
    """The instruments list, resolving any user spelling to one instrument."""

    instruments: tuple[FuturesInstrument, ...]

    @classmethod
    def from_wire(cls, instruments: Iterable[Mapping[str, Any]]) -> FuturesIndex:
        """Build from ``instruments[]``."""
        return cls(tuple(FuturesInstrument.from_wire(raw) for raw in instruments))

    def get(self, symbol: str) -> FuturesInstrument | None:
        """Return the instrument with exactly this symbol (any case)."""
        up = symbol.upper()
        return next((i for i in self.instruments if i.symbol == up), None)

    def resolve(self, text: str) -> FuturesInstrument:
        """Return the instrument ``text`` names, or raise UnknownSymbolError with suggestions."""
        for candidate in candidates(text):
            hit = self.get(candidate)
            if hit is not None:
                return hit
        raise unknown_futures_symbol(text, self.suggest(text))

    def suggest(self, text: str, n: int = 5) -> list[str]:
        """Return up to ``n`` futures symbols close to ``text`` (same base first)."""
        symbols = [i.symbol for i in self.instruments]
        body = _compact(text) if not is_futures_symbol(text) else text.upper()
        wanted = [f"PF_{body}", body]
        out: list[str] = []
        base = _guess_base(body)
        if base:
            same = [i for i in self.instruments if base in (i.base, _TO_FUTURES.get(i.base))]
            same.sort(key=lambda i: (not i.symbol.startswith("PF_"), not i.perpetual, i.symbol))
            out += [i.symbol for i in same]
        for guess in wanted:
            out += difflib.get_close_matches(guess, symbols, n=n, cutoff=0.6)
        return list(dict.fromkeys(out))[:n]

    def filter(
        self, *, quote: str | None = None, base: str | None = None
    ) -> list[FuturesInstrument]:
        """Return instruments with the given quote/base (``XBT`` or ``BTC``), sorted by symbol."""
        q = common_code(quote) if quote else None
        b = common_code(base) if base else None
        return sorted(
            (
                i
                for i in self.instruments
                if (q is None or i.quote == q) and (b is None or i.base == b)
            ),
            key=lambda i: i.symbol,
        )


def _guess_base(body: str) -> str | None:
    match = _CONTRACT.fullmatch(body)
    core = match.group(2) if match else body
    for quote in _QUOTES:
        if core.endswith(quote) and len(core) > len(quote):
            return common_code(core[: -len(quote)])
    return None


def unknown_futures_symbol(text: str, suggestions: Sequence[str]) -> UnknownSymbolError:
    """Build the error for a symbol that is not a futures instrument."""
    hint = (
        "closest futures: " + ", ".join(suggestions)
        if suggestions
        else "run `krx symbols --market futures` to list the futures instruments"
    )
    if not is_futures_symbol(text):
        hint += "; without --market futures the symbol is looked up on spot"
    return UnknownSymbolError(f"unknown futures symbol {text!r}", hint=hint)
