"""Endpoints and keys of the running local sandbox (``krx --sandbox``), from its state file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kraken_cli.config.sandbox_state import (
    SANDBOX_FUTURES_KEY,
    SANDBOX_FUTURES_SECRET,
    read_state,
)
from kraken_cli.config.settings import Credentials, Endpoints
from kraken_cli.errors import ConfigError

_NO_SANDBOX_HINT = "start one with `krx sandbox` in another shell"


def _read_state(env: Mapping[str, str]) -> dict[str, Any] | None:
    path = env.get("KRX_SANDBOX_STATE")
    try:
        state = read_state(Path(path) if path else None)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(
            f"cannot read the sandbox state file: {exc}", hint=_NO_SANDBOX_HINT
        ) from exc
    return state if isinstance(state, dict) else None


def _ws_base(http_url: str) -> str:
    return "ws" + http_url.removeprefix("http") if http_url.startswith("http") else http_url


def sandbox_endpoints(env: Mapping[str, str]) -> tuple[Endpoints, Credentials | None]:
    """Return the sandbox's endpoints (KRX_* URL overrides win) and its own spot key, if any."""
    endpoints, spot, _ = sandbox_access(env)
    return endpoints, spot


def sandbox_access(
    env: Mapping[str, str],
) -> tuple[Endpoints, Credentials | None, Credentials | None]:
    """Return the sandbox's endpoints (KRX_* URL overrides win), its spot key and futures key.

    With no running sandbox, KRX_REST_URL alone is enough (SPEC: the sandbox's address comes
    from KRX_REST_URL/KRX_WS_URL or its state file); otherwise this is a ConfigError. The two
    keys are never mixed up: the futures side has its own (``futures_api_key``).
    """
    state = _read_state(env)
    if state is None:
        if env.get("KRX_REST_URL"):
            rest = env["KRX_REST_URL"].rstrip("/")
            return Endpoints.from_env(env, base=_derived(rest)), None, _default_futures_key()
        raise ConfigError("no running sandbox found", hint=_NO_SANDBOX_HINT)
    rest = str(state.get("rest_url") or "").rstrip("/")
    if not rest:
        raise ConfigError("the sandbox state file has no rest_url", hint=_NO_SANDBOX_HINT)
    derived = _derived(rest)
    base = Endpoints(
        rest_url=rest,
        ws_url=str(state.get("ws_url") or derived.ws_url),
        ws_auth_url=str(state.get("ws_auth_url") or derived.ws_auth_url),
        futures_url=str(state.get("futures_url") or derived.futures_url),
        futures_ws_url=str(state.get("futures_ws_url") or derived.futures_ws_url),
    )
    spot = _creds(state.get("api_key"), state.get("api_secret"))
    futures = _creds(state.get("futures_api_key"), state.get("futures_api_secret"))
    return Endpoints.from_env(env, base=base), spot, futures or _default_futures_key()


def _creds(key: object, secret: object) -> Credentials | None:
    if isinstance(key, str) and isinstance(secret, str) and key and secret:
        return Credentials(key, secret)
    return None


def _default_futures_key() -> Credentials:
    # An older state file without futures keys: the futures emulator's fixed key.
    return Credentials(SANDBOX_FUTURES_KEY, SANDBOX_FUTURES_SECRET)


def _derived(rest: str) -> Endpoints:
    # Never fall back to the real Kraken in sandbox mode: derive every URL from the sandbox's.
    ws = _ws_base(rest)
    return Endpoints(
        rest_url=rest,
        ws_url=f"{ws}/v2",
        ws_auth_url=f"{ws}/auth/v2",
        futures_url=f"{rest}/futures",
        futures_ws_url=f"{ws}/futures/ws/v1",
    )
