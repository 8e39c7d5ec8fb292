"""JSON lines for streams: a compact encoder built once, with a fast path for trades.

``json.JSONEncoder.encode`` builds its C encoder again on every call (~3 µs for a trade
record); here it is built once. Trade records, the bulk of a busy stream, skip the generic
encoder entirely: their keys are fixed and their values are known text (decimal strings, an
ISO time, ``buy``/``sell``), so a format string renders them once a cheap check has shown
that no value needs escaping. Anything unusual falls back to the generic encoder, so the
output is always byte-for-byte what ``json.dumps(record, separators=(",", ":"),
ensure_ascii=False)`` writes (a property test pins it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _json_encoder
from typing import Any

from kraken_cli.output.columns import STREAM_TRADE

#: Field order of a trade record (SPEC): the fast path handles exactly this shape.
TRADE_KEYS = STREAM_TRADE
#: Escaped symbols kept at most (a stream follows a handful of pairs).
_SYMBOL_CACHE_MAX = 4096


def compact_encoder() -> Callable[[Any], str]:
    """Return ``obj -> compact JSON text`` (ensure_ascii=False) with its C encoder built once."""
    generic = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    make = getattr(_json_encoder, "c_make_encoder", None)  # private, not in typeshed
    if make is None:  # no C accelerator (another Python implementation)
        return generic.encode
    # markers=None: no circular-reference bookkeeping (records are trees); a shared markers
    # dict could keep stale entries after a failed call.
    core = make(
        None,
        generic.default,
        _json_encoder.encode_basestring,
        None,
        generic.key_separator,
        generic.item_separator,
        False,
        False,
        True,
    )
    encode_str = _json_encoder.encode_basestring
    join = "".join

    def encode(obj: Any) -> str:
        if isinstance(obj, str):
            return str(encode_str(obj))
        return join(core(obj, 0))

    return encode


class LineEncoder:
    """Render stream records as JSON lines (text ending in ``\\n``)."""

    def __init__(self) -> None:
        self.encode = compact_encoder()
        self._symbols: dict[str, str] = {}

    def __call__(self, record: dict[str, Any]) -> str:
        """Return the JSON line of ``record``."""
        # one function on purpose: this runs for every trade of a busy stream
        if (
            record.__class__ is dict
            and len(record) == 8
            and record.get("channel") == "trade"
            and tuple(record) == TRADE_KEYS
        ):
            _, sym, tid, ts, price, volume, side, ord_type = record.values()
            try:
                esc = self._symbols.get(sym) or self._escape_symbol(sym)
                text = "".join((ts, price, volume, side, ord_type))
            except TypeError:
                esc = None  # an unhashable symbol or a value that is not text
            # with ensure_ascii=False JSON escapes only '"', '\\' and control characters
            if (
                esc is not None
                and tid.__class__ is int
                and '"' not in text
                and "\\" not in text
                and text.isprintable()
            ):
                return (
                    f'{{"channel":"trade","symbol":{esc},"trade_id":{tid},"time":"{ts}",'
                    f'"price":"{price}","volume":"{volume}","side":"{side}",'
                    f'"ord_type":"{ord_type}"}}\n'
                )
        return self.encode(record) + "\n"

    def _escape_symbol(self, sym: object) -> str | None:
        if sym.__class__ is not str:
            return None
        esc = self.encode(sym)
        if len(self._symbols) >= _SYMBOL_CACHE_MAX:
            self._symbols.clear()
        self._symbols[str(sym)] = esc
        return esc
