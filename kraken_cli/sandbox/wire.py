"""Wire helpers: exact decimal text, Kraken's time formats and the REST envelope.

Kraken sends WS v2 prices and quantities as JSON numbers that keep their trailing zeros
(``"qty":0.00154900``); ``json.dumps`` cannot do that, so :func:`dumps` writes JSON text itself
and inserts :class:`Raw` number text verbatim.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

NS = 1_000_000_000


class Raw:
    """A JSON number whose text is written exactly as given (e.g. ``64525.0``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text})"


def units_text(units: int, decimals: int) -> str:
    """Render an integer count of 10**-decimals units as fixed-point text."""
    if decimals <= 0:
        return str(units * 10 ** (-decimals))
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


def to_units(text: str | Decimal, decimals: int) -> int:
    """Parse decimal text into integer units; raise ValueError if finer than ``decimals``."""
    value = Decimal(text) * (Decimal(10) ** decimals)
    if value != value.to_integral_value():
        raise ValueError(f"{text} has more than {decimals} decimals")
    return int(value)


def dec_text(value: Decimal, decimals: int) -> str:
    """Render a Decimal rounded to ``decimals`` fractional digits."""
    return format(value.quantize(Decimal(1).scaleb(-decimals)), "f")


def _write(obj: object, out: list[str]) -> None:
    if isinstance(obj, Raw):
        out.append(obj.text)
    elif isinstance(obj, str) or obj is None or isinstance(obj, bool | int):
        out.append(json.dumps(obj))
    elif isinstance(obj, Decimal):
        out.append(format(obj, "f"))
    elif isinstance(obj, Mapping):
        out.append("{")
        for index, (key, value) in enumerate(obj.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _write(value, out)
        out.append("}")
    elif isinstance(obj, Sequence):
        out.append("[")
        for index, value in enumerate(obj):
            if index:
                out.append(",")
            _write(value, out)
        out.append("]")
    elif isinstance(obj, float):
        out.append(repr(obj))
    else:
        raise TypeError(f"cannot serialise {type(obj).__name__}")


def dumps(obj: object) -> str:
    """Serialise to compact JSON text, writing :class:`Raw` numbers verbatim."""
    out: list[str] = []
    _write(obj, out)
    return "".join(out)


def rfc1123_kraken(unix: int) -> str:
    """Format like Kraken's Time endpoint: 2-digit year, space-padded day."""
    moment = datetime.fromtimestamp(unix, UTC)
    day = moment.strftime("%a")
    month = moment.strftime("%b")
    return f"{day}, {moment.day:2d} {month} {moment:%y %H:%M:%S} +0000"


def rfc3339_seconds(unix: int) -> str:
    """Format as RFC3339 with seconds (SystemStatus ``timestamp``)."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_us(ns: int) -> str:
    """Format nanoseconds as RFC3339 with microseconds (WS v2 ``time_in``/``timestamp``)."""
    secs, rest = divmod(ns, NS)
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest // 1000:06d}Z"


def rfc3339_ns(ns: int) -> str:
    """Format nanoseconds as RFC3339 with 9 fractional digits (WS v2 ``interval_begin``)."""
    secs, rest = divmod(ns, NS)
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"


def time4(ns: int) -> Raw:
    """Render a trade time as a JSON number with 4 decimals (Kraken's float ``time``)."""
    secs, rest = divmod(ns, NS)
    return Raw(f"{secs}.{rest // 100_000:04d}")


def now_ns() -> int:
    """Return the wall clock in nanoseconds (the sandbox's single time source)."""
    return time.time_ns()


def envelope(result: object = None, errors: Sequence[str] = ()) -> str:
    """Build Kraken's ``{"error":[...],"result":...}`` body (no result on failure)."""
    if errors:
        return dumps({"error": list(errors)})
    return dumps({"error": [], "result": result})
