"""Kraken Futures error shapes mapped onto the KrxError tree (PROTOCOL §7.3).

Two envelopes carry errors: ``{"result":"error","error":"authenticationError"}`` and
``{"status":"BAD_REQUEST","result":"error","errors":[{"code":11,"message":"..."}]}``. A
``result:"success"`` only means the request was assessed: order calls carry their own status
(``sendStatus.status``), checked by the trading service. Charts errors are plain text.
"""

from __future__ import annotations

from typing import Any

from kraken_cli.errors import (
    AuthError,
    InternalServerError,
    InvalidNonceError,
    KrakenError,
    KrxError,
    NetworkError,
    OrderError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UnknownSymbolError,
    UsageError,
)

_AUTH_HINT = (
    "check KRAKEN_FUTURES_API_KEY / KRAKEN_FUTURES_API_SECRET (Futures keys are created in the "
    "Futures UI; spot keys are rejected) and that the local clock is right (`krx status`)"
)
_NONCE_HINT = (
    "the futures nonce must grow on every call of this key; another tool may use the same key "
    "with a larger nonce, or the clock went back. Give krx its own futures API key"
)
_SYMBOL_HINT = "run `krx symbols --market futures` to list the futures instruments"

#: Futures error word -> (class, hint).
FUTURES_ERRORS: dict[str, tuple[type[KrxError], str | None]] = {
    "authenticationError": (AuthError, _AUTH_HINT),
    "apiLimitExceeded": (RateLimitError, "the futures budget (500 points / 10 s) is spent"),
    "nonceBelowThreshold": (InvalidNonceError, _NONCE_HINT),
    "nonceDuplicate": (InvalidNonceError, _NONCE_HINT),
    "invalidArgument": (UsageError, "check the arguments against the futures instrument"),
    "requiredArgumentMissing": (UsageError, None),
    "invalidAmount": (UsageError, "check the size against the contract precision"),
    "invalidUnit": (UsageError, None),
    "contractNotFound": (UnknownSymbolError, _SYMBOL_HINT),
    "marketUnavailable": (ServiceUnavailableError, "the futures market is not open"),
    "unavailable": (ServiceUnavailableError, "Kraken Futures is unavailable; try later"),
    "accountInactive": (PermissionDeniedError, "the futures account is not active"),
    "invalidAccount": (PermissionDeniedError, "check the futures account and key permissions"),
    "insufficientFunds": (OrderError, "not enough collateral in the futures account"),
    "INSUFFICIENT_MARGIN": (OrderError, "not enough margin for this order"),
    "notFound": (KrakenError, None),
    "Server Error": (InternalServerError, None),
    "unknownError": (InternalServerError, None),
    "Json Parse Error": (KrakenError, None),
}


def futures_error(word: str, raw: list[str] | None = None) -> KrxError:
    """Return the KrxError for one futures error word (or ``errors[].message``)."""
    kraken = raw or [word]
    cls, hint = FUTURES_ERRORS.get(word, (KrakenError, None))
    for key, (k_cls, k_hint) in FUTURES_ERRORS.items():
        if cls is KrakenError and hint is None and key.lower() in word.lower():
            cls, hint = k_cls, k_hint
            break
    if word.startswith("Argument invalid"):
        field = word.rpartition(":")[2].strip()
        cls, hint = (
            (UnknownSymbolError, _SYMBOL_HINT)
            if field == "symbol"
            else (UsageError, f"check the {field or 'arguments'}")
        )
    return cls(f"Kraken Futures: {word}", hint=hint, kraken=kraken)


def unwrap_futures(payload: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """Return a success envelope, or raise the KrxError its error fields map to."""
    result = payload.get("result")
    if result == "success":
        return payload
    if result != "error" and "error" not in payload and "errors" not in payload:
        raise NetworkError(
            f"unexpected reply from Kraken Futures (HTTP {status}): no result field",
            hint="is KRX_FUTURES_URL pointing at a Kraken Futures server?",
        )
    if isinstance(payload.get("error"), str):
        return _raise(futures_error(payload["error"]))
    messages = [str(e.get("message", e)) for e in payload.get("errors") or [] if e]
    if payload.get("status") == "NOT_FOUND":
        err: KrxError = KrakenError(
            f"Kraken Futures: {messages[0] if messages else 'not found'}",
            hint="unknown endpoint: is KRX_FUTURES_URL right?",
            kraken=messages,
        )
        return _raise(err)
    if messages:
        return _raise(futures_error(messages[0], messages))
    return _raise(KrakenError(f"Kraken Futures: {payload.get('status') or 'error'}"))


def _raise(err: KrxError) -> dict[str, Any]:
    raise err


def status_error(status: int, text: str) -> KrxError:
    """Map a reply that is not a JSON envelope (CDN page, proxy, 429) to a KrxError."""
    snippet = " ".join(text.split())[:80] or "empty body"
    if status == 429:
        return RateLimitError(
            f"Kraken Futures: HTTP 429 ({snippet})", hint="Kraken Futures is throttling; slow down"
        )
    err = NetworkError(
        f"malformed reply from Kraken Futures (HTTP {status}): {snippet}",
        hint="a proxy or CDN answered instead of Kraken Futures; try again later",
    )
    err.retryable = status >= 500
    return err


def charts_error(status: int, text: str, path: str) -> KrxError:
    """Map a charts API failure (plain text such as ``Invalid resolution``) to a KrxError."""
    snippet = " ".join(text.split())[:80] or f"HTTP {status}"
    if 400 <= status < 500 and status != 429:
        return UsageError(
            f"Kraken Futures charts rejected {path}: {snippet}",
            hint="check the symbol (`krx symbols --market futures`) and the interval",
            kraken=[snippet],
        )
    return status_error(status, text)
