"""Hard bounds on what one REST reply may cost: bytes on the wire, bytes decoded, wall time.

A hostile or broken server must not be able to hold krx longer than its timeout or make it
allocate more than a few tens of MB. Three mechanisms:

* a *total* deadline per request: every socket operation of the request (connect, TLS, each
  read and write) gets ``min(its own timeout, time left)``, so a body dripped one byte at a time
  fails at the deadline rather than after ``timeout`` per byte;
* the body is streamed and counted, raw and decoded (gzip/deflate are inflated here, in bounded
  steps, so a gzip bomb is cut off at the cap instead of inflating in one call);
* JSON that is not plain data (NaN, Infinity, numbers of absurd length, nesting past the
  interpreter's limit) is refused instead of reaching the record parsers.
"""

from __future__ import annotations

import contextvars
import json
import math
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from kraken_cli.errors import ProtocolError, RequestTimeoutError

#: Most bytes krx reads off the wire for one reply (Kraken's largest, AssetPairs, is ~1 MB).
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Most bytes a compressed reply may inflate to.
MAX_DECODED_BYTES = 16 * 1024 * 1024
#: Longest JSON number literal accepted (Kraken's longest are 19-digit nonces and ids).
MAX_NUMBER_CHARS = 64
#: Content encodings krx asks for and inflates itself, with their zlib window bits.
ENCODINGS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
ACCEPT_ENCODING = "gzip, deflate"
_INFLATE_STEP = 256 * 1024

#: Monotonic instant by which the request in progress (this thread/context) must be done.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "krx_http_deadline", default=None
)


class Deadline:
    """Context manager: bound every socket operation inside it by ``seconds`` in total."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.at = clock() + seconds
        self._clock = clock
        self._token: contextvars.Token[float | None] | None = None

    def __enter__(self) -> Deadline:
        self._token = _DEADLINE.set(self.at)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _DEADLINE.reset(self._token)

    def expired(self) -> bool:
        """Tell whether the deadline has passed."""
        return self._clock() >= self.at


def bounded_timeout(timeout: float | None, error: type[Exception]) -> float | None:
    """Return ``timeout`` shortened to the time left before the current deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request's total deadline passed")
    return left if timeout is None else min(timeout, left)


def too_large(endpoint: str, what: str, limit: int) -> ProtocolError:
    """Return the error for a reply past one of the size caps."""
    return ProtocolError(
        endpoint,
        f"{what} exceeds {limit // (1024 * 1024)} MiB; krx stopped reading",
        hint="no Kraken reply is that large: check the URL setting, or a proxy in between",
    )


def read_body(
    chunks: Iterable[bytes], encoding: str, endpoint: str, deadline: Deadline, timeout: float
) -> bytes:
    """Read raw ``chunks`` within the caps and the deadline; return the decoded body."""
    coding = encoding.strip().lower()
    if coding not in ("", "identity") and coding not in ENCODINGS:
        raise ProtocolError(endpoint, f"unsupported content-encoding {encoding!r}")
    inflate = zlib.decompressobj(ENCODINGS[coding]) if coding in ENCODINGS else None
    raw_total = 0
    out = bytearray()
    for chunk in chunks:
        raw_total += len(chunk)
        if raw_total > MAX_BODY_BYTES:
            raise too_large(endpoint, "the reply body", MAX_BODY_BYTES)
        if deadline.expired():
            raise body_timeout(endpoint, timeout)
        if inflate is None:
            out += chunk
        else:
            for piece in _inflate(inflate, chunk, endpoint):
                out += piece
                if len(out) > MAX_DECODED_BYTES:
                    raise too_large(endpoint, "the decompressed reply", MAX_DECODED_BYTES)
    if len(out) > MAX_DECODED_BYTES:
        raise too_large(endpoint, "the reply body", MAX_DECODED_BYTES)
    return bytes(out)


def _inflate(inflate: Any, chunk: bytes, endpoint: str) -> Iterator[bytes]:
    """Inflate ``chunk`` in bounded steps (never one huge allocation)."""
    data = chunk
    try:
        while data:
            piece = inflate.decompress(data, _INFLATE_STEP)
            data = inflate.unconsumed_tail
            yield piece
    except zlib.error as exc:
        raise ProtocolError(endpoint, f"corrupt compressed body ({exc})") from exc


def body_timeout(endpoint: str, timeout: float) -> RequestTimeoutError:
    """Return the (non-retried) error for a body that missed the total deadline."""
    err = RequestTimeoutError(
        f"{endpoint}: the reply did not arrive whole within {timeout:g} s",
        hint="the server answered but kept the body coming too slowly; raise krx.timeoutSeconds"
        " if the network is really that slow",
    )
    # A server that trickles its body will do it again: retrying only multiplies the wait.
    err.retryable = False
    return err


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number Kraken sends")


def _guard_number(convert: Callable[[str], Any], kind: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise ValueError(f"a {len(text)}-character {kind}")
        value = convert(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{kind} {text} overflows")
        return value

    return parse


#: Number conversions that are exact and cannot overflow (``float`` can: ``1e400``).
_EXACT = (str, Decimal)
#: Every byte that can be part of a JSON number becomes ``d``, every other a space: a number
#: longer than krx accepts is then a run of ``d`` (anywhere: inside a string too, to be safe).
_NUMBER_BYTES = bytes(ord("d") if chr(b) in "-+.0123456789eE" else ord(" ") for b in range(256))
_LONG_NUMBER = b"d" * (MAX_NUMBER_CHARS + 1)


def loads(data: bytes, endpoint: str, parse_float: Callable[[str], Any] | None = None) -> Any:
    """Parse a reply body as plain JSON data, or raise ProtocolError naming ``endpoint``."""
    try:
        if parse_float in _EXACT and _LONG_NUMBER not in data.translate(_NUMBER_BYTES):
            # no number is too long and text or Decimal cannot overflow: the guards have
            # nothing to refuse, so the scanner keeps its C paths (one Python call less per
            # number: a Trades page has two per trade)
            return json.loads(data, parse_float=parse_float, parse_constant=_reject_constant)
        return json.loads(
            data,
            parse_float=_guard_number(parse_float or float, "number"),
            parse_int=_guard_number(int, "integer"),
            parse_constant=_reject_constant,
        )
    except RecursionError as exc:
        raise ProtocolError(endpoint, "JSON nested too deeply") from exc
    except (ValueError, UnicodeDecodeError, ArithmeticError) as exc:
        raise ProtocolError(
            endpoint,
            f"not JSON ({snippet(data)}): {exc}"[:300],
            hint="a proxy or CDN answered instead of Kraken; try again later",
        ) from exc


def snippet(data: bytes | str, limit: int = 60) -> str:
    """Return the start of a body, flattened, for an error message (printable text only)."""
    text = data[:4096].decode("utf-8", "replace") if isinstance(data, bytes) else data[:4096]
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return (flat[:limit] + "...") if len(flat) > limit else flat or "empty body"
