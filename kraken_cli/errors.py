"""The one exception tree of krx, and Kraken's error strings mapped onto it.

    KrxError
     ├── UsageError                 bad argument, unknown symbol / interval / time
     │    ├── UnknownSymbolError
     │    └── BadIntervalError
     ├── ConfigError                missing / unreadable / invalid config, undefined ${VAR}
     ├── AuthError                  key, signature, nonce, permission
     │    ├── InvalidKeyError
     │    ├── InvalidSignatureError
     │    ├── InvalidNonceError
     │    ├── PermissionDeniedError
     │    └── LockoutError
     ├── KrakenError                Kraken rejected the request (any other API error)
     │    ├── UnknownPairError
     │    ├── OrderError            EOrder:* business errors (funds, minimums, margin ...)
     │    ├── ServiceUnavailableError   EService:Unavailable / Busy / market state (retryable)
     │    └── InternalServerError   EGeneral:Internal error, EDatabase:* (retryable)
     ├── NetworkError               unreachable, timeout, TLS, non-JSON or non-200 replies
     │    ├── RequestTimeoutError
     │    └── ProtocolError         a reply that does not parse into its record
     ├── RateLimitError             rate limited and gave up
     │    ├── BudgetExhaustedError  krx's pacer would wait too long (krx serve: 429)
     │    └── OrderRateLimitError   the matching-engine (per pair) counter
     └── IntegrityError             a stream that could not be kept consistent

The exit code of each class lives in one table in ``kraken_cli.cli.exit_codes``; the library
never exits. Kraken's strings are matched by prefix, because Kraken appends details after ``:``.
"""

from __future__ import annotations

from collections.abc import Sequence


class KrxError(Exception):
    """Base of every error krx raises on purpose; carries a hint and Kraken's raw strings."""

    #: A short machine name for JSON error output.
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        kraken: Sequence[str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.kraken: list[str] = list(kraken or [])
        #: Seconds the caller should wait before retrying, when known.
        self.retry_after = retry_after
        #: Unix time before which a retry is pointless (``EService: Throttled: <ts>``).
        self.retry_at: float | None = None

    def to_json(self) -> dict[str, object]:
        """Render as the SPEC's ``{"type", "message", "kraken"}`` object."""
        return {"type": self.kind, "message": self.message, "kraken": self.kraken}


class UsageError(KrxError):
    kind = "usage"


class UnknownSymbolError(UsageError):
    kind = "unknown_symbol"


class BadIntervalError(UsageError):
    kind = "bad_interval"


class ConfigError(KrxError):
    kind = "config"


class AuthError(KrxError):
    kind = "auth"


class InvalidKeyError(AuthError):
    kind = "invalid_key"


class InvalidSignatureError(AuthError):
    kind = "invalid_signature"


class InvalidNonceError(AuthError):
    kind = "invalid_nonce"


class PermissionDeniedError(AuthError):
    kind = "permission_denied"


class LockoutError(AuthError):
    kind = "lockout"


class KrakenError(KrxError):
    kind = "kraken"
    #: Whether an idempotent request may be retried after this error.
    retryable = False


class UnknownPairError(KrakenError):
    kind = "unknown_pair"


class OrderError(KrakenError):
    kind = "order"


class ServiceUnavailableError(KrakenError):
    kind = "service_unavailable"
    retryable = True


class InternalServerError(KrakenError):
    kind = "internal"
    retryable = True


class NetworkError(KrxError):
    kind = "network"
    retryable = True


class RequestTimeoutError(NetworkError):
    kind = "timeout"


class ProtocolError(NetworkError):
    """A reply that does not parse into its record (wrong shape, type or paging invariant).

    Exit 6 like other bad replies: the data could not be trusted, so none is given. Not retried:
    the same server would send the same malformed reply.
    """

    kind = "protocol"
    retryable = False

    def __init__(self, endpoint: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"malformed reply from {endpoint}: {problem}",
            hint=hint or "the server's reply broke Kraken's documented format; nothing was output",
        )
        self.endpoint = endpoint


class RateLimitError(KrxError):
    kind = "rate_limit"
    retryable = True


class BudgetExhaustedError(RateLimitError):
    """krx's own pacer would exceed Kraken's budget within the caller's patience (not sent)."""

    kind = "budget"
    retryable = False


class OrderRateLimitError(RateLimitError):
    kind = "order_rate_limit"


class IntegrityError(KrxError):
    kind = "integrity"


class OutputError(UsageError):
    """Standard output is closed or cannot take more data (``>&-``, ``/dev/full``); exit 2."""

    kind = "output"


_NONCE_HINT = (
    "the nonce must grow for every call on this key. Likely causes: the clock went back, or "
    "another tool uses the same key with a larger nonce scale (nanoseconds). krx persists its "
    "nonce per key; if another tool poisoned the key, create a new API key for krx"
)

#: Kraken error-string prefix -> (class, hint). First match wins, so longer prefixes go first.
KRAKEN_ERRORS: list[tuple[str, type[KrxError], str | None]] = [
    ("EAPI:Invalid key", InvalidKeyError, "check the key is copied whole (no newline) and active"),
    ("EAPI:Invalid signature", InvalidSignatureError, "check the API secret matches the key"),
    ("EAPI:Invalid nonce", InvalidNonceError, _NONCE_HINT),
    ("EAPI:Rate limit exceeded", RateLimitError, "wait for the call counter to decay"),
    ("EAPI:Feature disabled", KrakenError, None),
    ("EAPI:Bad request", KrakenError, None),
    ("EGeneral:Permission denied", PermissionDeniedError, "enable the permission on the API key"),
    ("EGeneral:Temporary lockout", LockoutError, "wait a few minutes before trying again"),
    ("EGeneral:Too many requests", RateLimitError, "slow down public calls"),
    ("EGeneral:Internal error", InternalServerError, None),
    ("EGeneral:Invalid arguments", KrakenError, None),
    ("EGeneral:Unknown method", KrakenError, None),
    ("EQuery:Unknown asset pair", UnknownPairError, "run `krx symbols` to list pairs"),
    ("EQuery:Unknown asset", UnknownPairError, "run `krx assets` to list assets"),
    ("EService:Unavailable", ServiceUnavailableError, "Kraken is offline; see `krx status`"),
    ("EService:Busy", ServiceUnavailableError, "Kraken is overloaded; try again shortly"),
    ("EService:Market in", ServiceUnavailableError, "the market is restricted; see `krx status`"),
    ("EService:Deadline elapsed", KrakenError, "check open orders before retrying"),
    ("EService: Throttled", RateLimitError, "too many concurrent requests on this key"),
    ("EService:Throttled", RateLimitError, "too many concurrent requests on this key"),
    ("EOrder:Rate limit exceeded", OrderRateLimitError, "the per-pair trading counter is full"),
    ("EOrder:Domain rate limit exceeded", OrderRateLimitError, None),
    ("EOrder:", OrderError, None),
    ("EAuth:Rate limit exceeded", RateLimitError, None),
    ("EAuth:Too many requests", RateLimitError, None),
    ("EAuth:", AuthError, None),
    ("EAccount:Invalid permissions", PermissionDeniedError, None),
    ("ESession:Invalid session", AuthError, "the WebSocket token expired; fetch a new one"),
    ("EDatabase:", InternalServerError, None),
]


def _throttle_until(error: str) -> float | None:
    """Return the unix time in ``EService: Throttled: <ts>``, if present."""
    tail = error.rsplit(":", 1)[-1].strip()
    try:
        return float(tail)
    except ValueError:
        return None


def from_kraken(errors: Sequence[str]) -> KrxError:
    """Map Kraken's ``error`` array to the matching KrxError (the first error decides)."""
    first = errors[0] if errors else "EGeneral:Unknown error"
    for prefix, cls, hint in KRAKEN_ERRORS:
        if first.startswith(prefix):
            err = cls(f"Kraken: {first}", hint=hint, kraken=errors)
            if "Throttled" in prefix:
                err.retry_at = _throttle_until(first)
            return err
    return KrakenError(f"Kraken: {first}", kraken=errors)
