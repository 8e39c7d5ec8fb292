"""The markets and subscriptions a config file lists, as :class:`~.settings.Settings` holds them.

Apart from ``settings`` because most commands run without them (start-up, issue 17); still
importable from ``kraken_cli.config.settings``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SymbolSpec:
    """A configured symbol of a market (``{name, leverage?, quantity?}``)."""

    name: str
    leverage: float | None = None
    quantity: str | None = None


@dataclass(frozen=True)
class MarketSpec:
    """A configured market of the Kraken connector (spot, margin or futures)."""

    market_type: str
    symbols: tuple[SymbolSpec, ...] = ()


@dataclass(frozen=True)
class SubscriptionSpec:
    """A platform subscription (PROVIDER_MARKETDATA_CANDLE / TRADE / ORDERBOOK ...)."""

    type: str
    symbols: tuple[str, ...] = ()
    intervals: tuple[str, ...] = ()
    active: bool = True
