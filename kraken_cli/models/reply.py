"""Strict readers for private REST replies: a field is what Kraken documents, or ProtocolError.

A malformed value (``"abc"``, ``null`` where a number is required, an object, a boolean, NaN, a
number beyond any real amount) must never turn into a ``0`` or an empty list with exit 0: the
reader names the endpoint and the field and the command exits 6 (``ProtocolError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.errors import ProtocolError

#: No real amount, price or time comes near this; beyond it the value is corrupt, not large.
MAX_MAGNITUDE = Decimal("1e24")


@dataclass(frozen=True)
class Reply:
    """Reads the fields of one endpoint's reply (``endpoint`` names it in every error)."""

    endpoint: str

    def fail(self, problem: str) -> ProtocolError:
        """Return the error for a reply that does not parse."""
        return ProtocolError(self.endpoint, problem)

    def table(self, value: Any, what: str = "result") -> Mapping[str, Any]:
        """Return ``value`` as an object (``{id: entry}``); anything else is malformed.

        An empty list counts as an empty object: Kraken's backend encodes ``{}`` as ``[]``.
        """
        if value == []:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(f"{what} is {_kind(value)}, not an object")
        return value

    def entries(self, value: Any, what: str) -> list[Mapping[str, Any]]:
        """Return ``value`` as a list of objects."""
        if not isinstance(value, list):
            raise self.fail(f"{what} is {_kind(value)}, not a list")
        return [self.table(item, f"an entry of {what}") for item in value]

    def number(self, value: Any, what: str) -> Decimal:
        """Return a required number (wire string or JSON number) as an exact Decimal."""
        if value is None or value == "":
            raise self.fail(f"{what} is missing")
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.fail(f"{what} is {_kind(value)}, not a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(f"{what} {str(value)[:40]!r} is not a number") from None
        if not number.is_finite() or abs(number) >= MAX_MAGNITUDE:
            raise self.fail(f"{what} {str(value)[:40]!r} is not a finite amount")
        return number

    def amount(self, value: Any, what: str) -> Decimal | None:
        """Return an optional number as a Decimal (None when absent or empty)."""
        if value is None or value == "":
            return None
        return self.number(value, what)

    def wire(self, value: Any, what: str) -> str | None:
        """Return an optional number as its exact wire text, checked to be a finite number."""
        if self.amount(value, what) is None:
            return None
        return str(value)

    def text(self, value: Any, what: str) -> str | None:
        """Return an optional string (numbers are accepted as their text)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(f"{what} is {_kind(value)}, not text")
        return str(value)

    def flag(self, value: Any, what: str) -> bool | None:
        """Return an optional boolean."""
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"{what} is {_kind(value)}, not true/false")

    def unix(self, value: Any, what: str) -> datetime | None:
        """Return unix seconds (number or text) as an aware UTC datetime; None for 0/absent."""
        number = self.amount(value, what)
        if number is None or number == 0:
            return None
        if number < 0 or number > 32503680000:  # year 3000
            raise self.fail(f"{what} {value!r} is not a time")
        whole = int(number)
        micros = int((number - whole) * 1_000_000)
        return datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=micros)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return f"a {type(value).__name__}"
