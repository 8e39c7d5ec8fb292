"""Positions and margin summaries every segment returns (spot margin and futures).

:class:`Position` and :class:`MarginSummary` are the shared bases; each segment's subclass keeps
the keys and order scripts have always read. Parsers: ``account_spot`` and ``account_futures``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from kraken_cli.models.account import Amount, Record


# -- positions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Position(Record):
    """An open position: its market and side; each segment adds its figures."""

    symbol: str | None
    side: str | None


@dataclass(frozen=True)
class SpotPosition(Position):
    """An open margin position as ``krx account positions`` (spot) lists it."""

    KEYS = (
        "position_id",
        "order_id",
        "symbol",
        "side",
        "ord_type",
        "volume",
        "volume_closed",
        "cost",
        "fee",
        "margin",
        "value",
        "net",
        "opened",
    )
    position_id: str
    order_id: str
    ord_type: str
    volume: Decimal | None
    volume_closed: Decimal | None
    cost: Decimal | None
    fee: Decimal | None
    margin: Decimal | None
    value: Decimal | None
    net: Decimal | None
    opened: datetime | None


@dataclass(frozen=True)
class MarginPosition(Position):
    """An open margin position with unrealised P&L (``--market margin``)."""

    KEYS = (
        "position_id",
        "symbol",
        "side",
        "volume",
        "volume_closed",
        "cost",
        "fee",
        "margin",
        "value",
        "pnl",
        "opened",
        "order_id",
        "status",
        "type",
        "terms",
        "rollover",
    )
    position_id: str
    volume: str | None
    volume_closed: str | None
    cost: str | None
    fee: str | None
    margin: str | None
    value: str | None
    pnl: str | None
    opened: datetime | None
    order_id: str | None
    status: str | None
    type: str | None
    terms: str | None
    rollover: datetime | None


@dataclass(frozen=True)
class MarginMarketPosition(Position):
    """All margin positions of one market folded into one row (``--consolidate``)."""

    positions: str | None
    leverage: str | None
    volume: str | None
    volume_closed: str | None
    cost: str | None
    fee: str | None
    margin: str | None
    value: str | None
    pnl: str | None


@dataclass(frozen=True)
class FuturesPosition(Position):
    """An open futures position."""

    size: str | None
    price: str | None
    opened: str | None
    unrealized_funding: str | None
    pnl_currency: str | None
    max_fixed_leverage: str | None


# -- margin summaries -----------------------------------------------------------------------
class MarginSummary(Record):
    """Marker base: one margin summary row (trade balance, or one futures margin account)."""


#: TradeBalance's one-letter keys and the names krx shows.
TRADE_BALANCE_FIELDS = (
    ("eb", "equivalent_balance"),
    ("tb", "trade_balance"),
    ("m", "margin"),
    ("n", "unrealized_pnl"),
    ("c", "cost_basis"),
    ("v", "valuation"),
    ("e", "equity"),
    ("mf", "free_margin"),
    ("ml", "margin_level"),
    ("uv", "unexecuted_value"),
)


@dataclass(frozen=True)
class TradeBalance(MarginSummary):
    """The spot key's margin summary in one asset (``TradeBalance``)."""

    asset: str
    equivalent_balance: Amount | None
    trade_balance: Amount | None
    margin: Amount | None
    unrealized_pnl: Amount | None
    cost_basis: Amount | None
    valuation: Amount | None
    equity: Amount | None
    free_margin: Amount | None
    margin_level: Amount | None
    unexecuted_value: Amount | None


@dataclass(frozen=True)
class MarginTradeBalance(TradeBalance):
    """The same figures as ``--market margin`` has always named them (``margin_used``)."""

    def to_record(self) -> dict[str, Any]:
        """Return the record with ``margin`` shown as ``margin_used``."""
        return {("margin_used" if k == "margin" else k): v for k, v in super().to_record().items()}


@dataclass(frozen=True)
class FuturesMargin(MarginSummary):
    """One futures margin account: ``figures`` are its named wire numbers, in print order."""

    account: str
    type: str
    currency: str
    figures: tuple[tuple[str, str | None], ...]

    def to_record(self) -> dict[str, Any]:
        """Return account, type, currency, then each figure."""
        head = {"account": self.account, "type": self.type, "currency": self.currency}
        return head | dict(self.figures)
