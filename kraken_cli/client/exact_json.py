"""Decode Kraken WS JSON with every non-integer number kept as its exact wire text.

msgspec (the ``fast`` extra: binary wheels) decodes about 5x faster than the stdlib; its
``float_hook`` gets the raw text of each float literal, so ``0.00100000`` stays
``"0.00100000"``, as ``json`` with ``parse_float=str`` gives it. Without msgspec (no wheel for
the platform) the stdlib decoder is used: same values, slower. Input msgspec refuses but the
stdlib accepts (``NaN``, a lone surrogate escape) goes to the stdlib, so both paths accept and
return exactly the same things, and both raise ValueError for the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: ``decode(text or UTF-8 bytes) -> object``; raises ValueError when it is not JSON.
Decode = Callable[[str | bytes], Any]


def stdlib_decoder() -> Decode:
    """Return the pure-Python decoder (``json``, floats as their text)."""
    decode_text = json.JSONDecoder(parse_float=str).decode

    def decode(data: str | bytes) -> Any:
        return decode_text(data if isinstance(data, str) else data.decode())

    return decode


def exact_decoder(*, fast: bool = True) -> Decode:
    """Return the fastest decoder available (msgspec when installed and ``fast``)."""
    slow = stdlib_decoder()
    if not fast:
        return slow
    try:
        import msgspec
    except ImportError:
        return slow
    # The hook gets each float literal as text and returns it unchanged: str.strip does that
    # (a literal has no blanks) for ~25 ns less per number than str(), a type call.
    quick = msgspec.json.Decoder(float_hook=str.strip).decode
    refused = msgspec.DecodeError

    def decode(data: str | bytes) -> Any:
        try:
            return quick(data)
        except refused:
            return slow(data)  # the stdlib decides: same result or ValueError as before

    return decode
