"""Signed calls to Kraken's private spot REST endpoints.

https://docs.kraken.com/api/docs/guides/spot-rest-auth

Each attempt holds the key's cross-process lock (``client.nonce``) from drawing its nonce until
Kraken has answered, is paced by the shared call counter (``client.ratelimit``), and is signed
afresh. Only calls the caller marks idempotent are retried on transient errors; a call that
could place an order is never re-sent after an unclear outcome (``services.trading`` looks the
order up by its client id instead).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

from kraken_cli.client.nonce import NonceSource
from kraken_cli.client.ratelimit import RateLimiter
from kraken_cli.config.settings import Credentials
from kraken_cli.errors import (
    InvalidNonceError,
    KrxError,
    OrderRateLimitError,
    RateLimitError,
)
from kraken_cli.protocol.signing import spot_signature

#: Calls that may create an order: never re-sent by krx, whatever Kraken or the network said.
ORDER_PLACING = frozenset({"AddOrder", "AddOrderBatch", "EditOrder"})


class PrivateHttp(Protocol):
    """What SpotPrivate needs of ``client.http.KrakenHttp``."""

    def send(
        self,
        verb: str,
        path: str,
        *,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request; return the unwrapped result or raise the mapped KrxError."""
        ...

    def with_retry(
        self,
        attempt_fn: Callable[[int], Any],
        *,
        on_retry: Callable[[int, float, KrxError], None] | None = None,
    ) -> Any:
        """Run ``attempt_fn`` under the client's retry policy."""
        ...

    def close(self) -> None:
        """Close the connections."""
        ...


class SpotPrivate:
    """Kraken spot private REST: sign, nonce, pace, send."""

    def __init__(
        self,
        http: PrivateHttp,
        credentials: Credentials,
        nonce: NonceSource,
        limiter: RateLimiter,
        *,
        otp: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self._credentials = credentials
        self.nonce = nonce
        self.limiter = limiter
        self._otp = otp
        self._sleep = sleep

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def call(self, method: str, data: Mapping[str, str] | None = None, *, idempotent: bool) -> Any:
        """POST /0/private/<method> signed; retry (fresh nonce each time) only if idempotent."""
        fields = dict(data or {})
        if idempotent:
            return self.http.with_retry(lambda _attempt: self._recovering(method, fields))
        return self._recovering(method, fields)

    def _recovering(self, method: str, fields: dict[str, str]) -> Any:
        """Send once, recovering from the two errors that prove the call was not processed."""
        try:
            return self._send(method, fields)
        except InvalidNonceError:
            # Kraken rejects a bad nonce before doing anything, so one re-send with a fresh
            # nonce is safe even for AddOrder; a second failure is explained to the user.
            try:
                return self._send(method, fields)
            except InvalidNonceError as again:
                again.hint = self._nonce_hint()
                raise
        except OrderRateLimitError as exc:
            wait = self.limiter.order_rate_wait(method)
            if method in ORDER_PLACING:
                exc.hint = (
                    f"the order was NOT placed: the per-pair trading counter is full; "
                    f"wait about {wait:.0f} s before placing it again"
                )
                exc.retry_after = wait
                raise
            self._sleep(wait)
            return self._send(method, fields)

    def _send(self, method: str, fields: dict[str, str]) -> Any:
        path = f"/0/private/{method}"
        asked = self.limiter.now()
        with self.nonce.reserve() as state:
            self.limiter.admit(state, method, asked_at=asked)
            body_fields = {"nonce": str(state.nonce), **fields}
            if self._otp:
                body_fields["otp"] = self._otp
            body = urlencode(body_fields)
            headers = {
                "API-Key": self._credentials.key.strip(),
                "API-Sign": spot_signature(self._credentials.secret, path, state.nonce, body),
            }
            try:
                return self.http.send("POST", path, body=body, headers=headers)
            except RateLimitError as exc:
                if any(e.startswith("EAPI:Rate limit exceeded") for e in exc.kraken):
                    # Another tool on this key, or Kraken's counter ran ahead of ours: assume
                    # it is full so every krx process on the key backs off from now on.
                    self.limiter.penalize(state)
                    exc.hint = (
                        f"the key's call counter is full ({self.limiter.tier.name} tier: max "
                        f"{self.limiter.tier.max_counter:g}, -{self.limiter.tier.decay_per_s:g}/s)"
                        "; krx now paces calls on this key; if another tool uses the same key, "
                        "give krx its own key or set krx.tier to your real tier"
                    )
                raise

    def _nonce_hint(self) -> str:
        return (
            f"Kraken still refused a fresh nonce ({self.nonce.last()}, nanoseconds). Likely "
            "causes: another tool on the same key uses a larger nonce scale, or sends with a "
            "clock ahead of yours; or this machine's clock went back. Fix: sync the clock "
            "(`krx verify` shows the skew), give each tool its own API key, or create a new key "
            "for krx (a key's last nonce can never be reset)"
        )
