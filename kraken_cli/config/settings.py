"""Typed settings every layer reads: endpoints, credentials, krx options, markets, subscriptions.

The loader (``kraken_cli.config.loader``) builds a :class:`Settings` from the config file and the
environment; library users may also build one by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_cli.config.dirs import user_dir

if TYPE_CHECKING:
    from kraken_cli.config.specs import MarketSpec as MarketSpec
    from kraken_cli.config.specs import SubscriptionSpec as SubscriptionSpec
    from kraken_cli.config.specs import SymbolSpec as SymbolSpec
    from kraken_cli.errors import ConfigError

DEFAULT_REST_URL = "https://api.kraken.com"
DEFAULT_WS_URL = "wss://ws.kraken.com/v2"
DEFAULT_WS_AUTH_URL = "wss://ws-auth.kraken.com/v2"
DEFAULT_FUTURES_URL = "https://futures.kraken.com"
DEFAULT_FUTURES_WS_URL = "wss://futures.kraken.com/ws/v1"


@dataclass(frozen=True)
class Credentials:
    """An API key pair; the secret never appears in repr or str."""

    key: str
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(key={redact(self.key)!r}, secret='***')"

    __str__ = __repr__


def redact(value: str) -> str:
    """Return a value safe to show: its first 4 characters and a mask."""
    return value[:4] + "***" if len(value) > 8 else "***"


@dataclass(frozen=True)
class Endpoints:
    """Base URLs for every Kraken surface; each honours its KRX_* override."""

    rest_url: str = DEFAULT_REST_URL
    ws_url: str = DEFAULT_WS_URL
    ws_auth_url: str = DEFAULT_WS_AUTH_URL
    futures_url: str = DEFAULT_FUTURES_URL
    futures_ws_url: str = DEFAULT_FUTURES_WS_URL

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, base: Endpoints | None = None
    ) -> Endpoints:
        """Apply KRX_REST_URL / KRX_WS_URL / ... overrides on top of ``base``."""
        env = os.environ if env is None else env
        base = base or cls()
        return cls(
            rest_url=env.get("KRX_REST_URL") or base.rest_url,
            ws_url=env.get("KRX_WS_URL") or base.ws_url,
            ws_auth_url=env.get("KRX_WS_AUTH_URL") or base.ws_auth_url,
            futures_url=env.get("KRX_FUTURES_URL") or base.futures_url,
            futures_ws_url=env.get("KRX_FUTURES_WS_URL") or base.futures_ws_url,
        )


TIERS = ("starter", "intermediate", "pro", "custom")


@dataclass(frozen=True)
class KrxOptions:
    """The optional ``krx`` section of the config: our own knobs."""

    tier: str = "starter"
    custom_max_counter: float | None = None
    custom_decay_per_s: float | None = None
    max_clock_skew_s: float = 5.0
    public_calls_per_s: float = 1.0
    cache_ttl_s: float = 86400.0
    timeout_s: float = 10.0
    max_retries: int = 4
    #: Longest a public call may wait for Kraken's budget before failing with a rate-limit
    #: error (None: wait as long as needed, as the CLI does; ``krx serve`` sets it).
    max_pacing_wait_s: float | None = None


@dataclass(frozen=True)
class Settings:
    """Everything a service needs to know about where and how to talk to Kraken."""

    endpoints: Endpoints = field(default_factory=Endpoints)
    spot: Credentials | None = None
    futures: Credentials | None = None
    krx: KrxOptions = field(default_factory=KrxOptions)
    markets: tuple[MarketSpec, ...] = ()
    subscriptions: tuple[SubscriptionSpec, ...] = ()
    config_path: Path | None = None
    sandbox: bool = False
    #: The Provider API token ``krx serve`` requires (``provider.apiToken``, else the
    #: ``PROVIDER_API_TOKEN`` environment variable); never shown.
    api_token: str | None = field(default=None, repr=False)
    #: ``${VAR}`` names the config takes each key from that are not defined: public commands
    #: work without them; a private call fails naming them (:func:`missing_key_error`).
    spot_undefined: tuple[str, ...] = ()
    futures_undefined: tuple[str, ...] = ()


def missing_key_error(names: tuple[str, ...], what: str) -> ConfigError:
    """Return the error for a key whose config placeholders are undefined (exit 3)."""
    from kraken_cli.errors import ConfigError

    listed = ", ".join(f"${{{name}}}" for name in names)
    exports = " ".join(f"{name}=..." for name in names)
    return ConfigError(
        f"the {what} comes from {listed} in the config, not defined",
        hint=f"run `krx setup`, or `export {exports}` (or put it in .env beside the config);"
        " public commands work without it",
    )


def config_dir() -> Path:
    """Return the user config dir for krx (honours XDG_CONFIG_HOME)."""
    return user_dir("config")


def cache_dir() -> Path:
    """Return the user cache dir for krx (honours XDG_CACHE_HOME)."""
    return user_dir("cache")


def state_dir() -> Path:
    """Return the user state dir for krx (honours XDG_STATE_HOME)."""
    return user_dir("state")


#: What a config file lists (``kraken_cli.config.specs``), importable from here too: loaded
#: only when a config lists some (start-up, issue 17).
_SPECS = ("MarketSpec", "SubscriptionSpec", "SymbolSpec")


def __getattr__(name: str) -> Any:
    """Import a config spec record on first use (PEP 562)."""
    if name in _SPECS:
        from kraken_cli.config import specs

        return getattr(specs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
