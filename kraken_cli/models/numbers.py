"""Exact wire numbers: parse Kraken's decimal text into Decimal, render it back unchanged.

Spot REST sends prices as strings ("84001.9"); Decimal keeps them digit for digit. Futures REST
sends JSON numbers, read as their exact text (``parse_float=str``); :class:`WireDecimal` is a
Decimal that also remembers that text, so ``1.18588737106e-7`` is output as sent, not as
``0.000000118588737106``. Parsers raise :class:`Malformed`; the client turns it into a
``ProtocolError`` naming the endpoint (:func:`reply_of`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.errors import ProtocolError

#: No real amount, price or time comes near this; beyond it the value is corrupt, not large.
MAX_MAGNITUDE = Decimal("1e24")


#: Ratios (percent, basis points) are shown to 0.01: the only rounded figures.
RATIO_PLACES = Decimal("0.01")
_HUNDRED = Decimal(100)


def ratio(part: Decimal, whole: Decimal, scale: Decimal = _HUNDRED) -> Decimal | None:
    """Return ``part / whole * scale`` rounded to 0.01 (None when ``whole`` is zero)."""
    if whole == 0:
        return None
    return (part * scale / whole).quantize(RATIO_PLACES)


class Malformed(ValueError):
    """A wire value that does not parse into its record field."""


def malformed_row(kind: str, row: Any) -> Malformed:
    """Return the error for a ``kind`` row (trade, OHLC, ticker, book) that does not fit."""
    return Malformed(f"malformed {kind} row: {str(row)[:80]}")


@contextmanager
def reply_of(endpoint: str) -> Iterator[None]:
    """Turn a parse failure while reading ``endpoint``'s reply into a ProtocolError (exit 6)."""
    try:
        yield
    except (Malformed, KeyError, IndexError, TypeError, ValueError, InvalidOperation) as exc:
        problem = str(exc) if isinstance(exc, Malformed) else f"{type(exc).__name__}: {exc}"
        raise ProtocolError(endpoint, problem[:160]) from exc


class WireDecimal(Decimal):
    """A Decimal that keeps the exact text it was read from (``text``)."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> WireDecimal:
        self = super().__new__(cls, text)
        self.text = text
        return self


def _checked(value: Decimal, raw: Any, what: str) -> Decimal:
    if not value.is_finite() or abs(value) >= MAX_MAGNITUDE:
        raise Malformed(f"{what} is not a finite number: {raw!r}"[:120])
    return value


def dec(value: Any, what: str = "number") -> Decimal:
    """Parse a wire number (string, int or Decimal; float only via its repr) exactly."""
    if isinstance(value, bool):
        raise Malformed(f"{what} is not a number: {value!r}")
    try:
        parsed = Decimal(value) if isinstance(value, str | int | Decimal) else Decimal(repr(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise Malformed(f"{what} is not a number: {value!r}"[:120]) from exc
    return _checked(parsed, value, what)


def wire_dec(value: Any, what: str = "number") -> WireDecimal | None:
    """Parse a futures wire number (JSON number text, int or string); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Malformed(f"{what} is not a number: {value!r}"[:120])
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    try:
        parsed = WireDecimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise Malformed(f"{what} is not a number: {value!r}"[:120]) from exc
    _checked(parsed, value, what)
    return parsed


def exact(value: Decimal | None) -> Decimal | str | None:
    """Return a record value: a WireDecimal's wire text, any other Decimal unchanged."""
    return value.text if isinstance(value, WireDecimal) else value


def num(value: Any) -> str | None:
    """Return a wire number (int, exact float text, or string) as a decimal string."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value)


def wire_int(value: Any, what: str) -> int:
    """Parse a wire integer (JSON int or digit string); bools and fractions are refused."""
    if isinstance(value, bool):
        raise Malformed(f"{what} is not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise Malformed(f"{what} is not an integer: {value!r}"[:120])
