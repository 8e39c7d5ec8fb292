"""The Provider API token: ``Authorization: Bearer <token>`` or ``x-api-token: <token>``.

Compared in constant time. Health routes, OPTIONS (CORS pre-flight), the OpenAPI document and
the docs page need no token; every other ``/api`` route does.
"""

from __future__ import annotations

import hmac

#: The token as the OpenAPI document describes it (an "Authorize" button on /docs). The check
#: itself is the app's middleware (serve/gate.py), so no route can forget it.
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "The Provider API token (PROVIDER_API_TOKEN); x-api-token also works.",
}

#: Paths reachable without the token.
OPEN_PREFIXES = ("/api/health/", "/docs", "/openapi.json")


def needs_token(method: str, path: str) -> bool:
    """Whether a request must carry the token."""
    if method == "OPTIONS":
        return False
    return not path.startswith(OPEN_PREFIXES)


def presented_token(headers: dict[str, str]) -> str | None:
    """Return the token a request presents (lower-case header names), or None."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token = headers.get("x-api-token", "").strip()
    return token or None


def token_matches(expected: str, presented: str | None) -> bool:
    """Compare in constant time (no early exit on the first differing byte)."""
    if presented is None:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())
