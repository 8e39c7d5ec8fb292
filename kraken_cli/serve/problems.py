"""krx errors as HTTP answers: one status per error class, a JSON body, never a traceback.

The statuses follow SPEC.md § "krx serve": 400 bad parameter, 401 no/wrong token, 403 the key
lacks a permission, 404 unknown symbol or route, 429 krx's limiter would exceed Kraken's budget,
502 Kraken rejected the call or is unreachable, 503 not ready. The table sits beside the exit
codes' one (``cli.exit_codes``) and is keyed by the same classes, most specific first.
"""

from __future__ import annotations

import math
from typing import Any

from kraken_cli import errors

#: Most specific classes first: the first ``isinstance`` match decides.
HTTP_STATUSES: list[tuple[type[errors.KrxError], int]] = [
    (errors.UnknownSymbolError, 404),
    (errors.UsageError, 400),
    (errors.ConfigError, 503),
    (errors.PermissionDeniedError, 403),
    (errors.AuthError, 502),
    (errors.RateLimitError, 429),
    (errors.NetworkError, 502),
    (errors.IntegrityError, 502),
    (errors.KrakenError, 502),
]


def status_for(error: errors.KrxError) -> int:
    """Return the HTTP status of a krx error (502 for any other Kraken-side failure)."""
    for cls, status in HTTP_STATUSES:
        if isinstance(error, cls):
            return status
    return 502


def problem_body(kind: str, message: str, hint: str | None = None, **extra: Any) -> dict[str, Any]:
    """Return SPEC's ``{"error": {"type", "message", "hint"}}`` body."""
    return {"error": {"type": kind, "message": message, "hint": hint, **extra}}


def error_body(error: errors.KrxError) -> dict[str, Any]:
    """Return the body for a krx error; Kraken's own strings ride along in ``kraken``."""
    return problem_body(error.kind, error.message, error.hint, kraken=error.kraken)


def retry_after_header(error: errors.KrxError) -> dict[str, str]:
    """Return a ``Retry-After`` header (whole seconds, at least 1) for a rate-limit answer."""
    wait = error.retry_after if error.retry_after and math.isfinite(error.retry_after) else 1.0
    return {"Retry-After": str(max(1, math.ceil(wait)))}
