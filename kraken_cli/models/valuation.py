"""Balances valued in a quote currency: exact values, an exact total, the assets without a price."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kraken_cli.models.account import Record
from kraken_cli.models.order_value import trimmed


@dataclass(frozen=True)
class ValuedBalance(Record):
    """One asset's balance valued in a quote currency (``price``/``value`` None: no price)."""

    KIND = "valued_balance"
    asset: str
    balance: Decimal
    quote: str
    price: Decimal | None
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class Valuation:
    """Balances valued in ``quote``, their exact total, and the assets that had no price."""

    quote: str
    rows: tuple[ValuedBalance, ...]
    total: Decimal
    unvalued: tuple[str, ...]


def asset_of(code: str) -> str:
    """Return the asset a balance code is a variant of (``ETH.F`` -> ``ETH``)."""
    return code.partition(".")[0]


def value_balances(
    balances: Iterable[tuple[str, Decimal]], quote: str, prices: Mapping[str, Decimal]
) -> Valuation:
    """Value ``(asset, balance)`` pairs at ``prices`` (asset -> price in ``quote``), exactly.

    A variant of an asset (``ETH.F`` flex, ``DOT.S`` staked) is valued as the asset itself.
    """
    rows = []
    for asset, amount in balances:
        base = asset_of(asset)
        price = Decimal(1) if base == quote else prices.get(base)
        value = None if price is None else trimmed(amount * price)
        rows.append(ValuedBalance(asset, amount, quote, price, value))
    total = trimmed(sum((row.value for row in rows if row.value is not None), Decimal(0)))
    unvalued = tuple(row.asset for row in rows if row.value is None and row.balance != 0)
    return Valuation(quote, tuple(rows), total, unvalued)
