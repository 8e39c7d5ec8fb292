"""Request signing for Kraken spot (API-Sign) and futures (Authent): pure functions.

Spot: https://docs.kraken.com/api/docs/guides/spot-rest-auth
Futures: https://docs.kraken.com/api/docs/guides/futures-rest
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def _decode_secret(secret_b64: str) -> bytes:
    """Decode a base64 API secret, tolerating surrounding white space (copy-paste)."""
    return base64.b64decode(secret_b64.strip())


def spot_signature(secret_b64: str, uri_path: str, nonce: str | int, post_data: str) -> str:
    """Return API-Sign = b64(HMAC-SHA512(b64d(secret), path + SHA256(nonce + body)))."""
    inner = hashlib.sha256((str(nonce) + post_data).encode()).digest()
    mac = hmac.new(_decode_secret(secret_b64), uri_path.encode() + inner, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


def futures_signature(
    secret_b64: str, endpoint_path: str, post_data: str, nonce: str | int | None = None
) -> str:
    """Return Authent = b64(HMAC-SHA512(b64d(secret), SHA256(postData + nonce + path))).

    ``endpoint_path`` is the request path with a leading ``/derivatives`` removed.
    """
    path = endpoint_path.removeprefix("/derivatives")
    message = post_data + ("" if nonce is None else str(nonce)) + path
    digest = hashlib.sha256(message.encode()).digest()
    mac = hmac.new(_decode_secret(secret_b64), digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


def futures_ws_challenge(secret_b64: str, challenge: str) -> str:
    """Sign a futures WebSocket challenge: b64(HMAC-SHA512(b64d(secret), SHA256(challenge)))."""
    digest = hashlib.sha256(challenge.encode()).digest()
    mac = hmac.new(_decode_secret(secret_b64), digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()
