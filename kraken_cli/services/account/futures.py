"""The futures account: balances, margin accounts, positions, open orders, fills.

Read-only calls to the private v3 endpoints (retried: they are idempotent); records parsed by
``models.account_futures`` (exact wire amounts, ISO-8601 UTC times).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.errors import UsageError
from kraken_cli.models.account import (
    FUTURES_RECORDS,
    FuturesBalance,
    FuturesFill,
    FuturesOrder,
    LedgerEntry,
    Moment,
    Order,
)
from kraken_cli.models.account_futures import (
    parse_balances,
    parse_fills,
    parse_margin,
    parse_orders,
    parse_positions,
)
from kraken_cli.models.fees import FeeTier
from kraken_cli.models.futures import ms_from_iso
from kraken_cli.models.margin import FuturesMargin, FuturesPosition
from kraken_cli.models.segment import Market
from kraken_cli.services.account import Closing, Window

#: The most fills Kraken Futures returns per call (and so the most ``trades`` can show).
FILLS_PER_CALL = 100


class FuturesAccount(Closing):
    """Read-only account queries over one Kraken Futures REST client."""

    market = Market.FUTURES
    records = FUTURES_RECORDS

    def __init__(self, client: FuturesRest) -> None:
        self.client = client

    def close(self) -> None:
        """Close the futures client."""
        self.client.close()

    def balances(self) -> list[FuturesBalance]:
        """Return each futures account's currencies (``asset, balance, hold, available``)."""
        return parse_balances(self.client.accounts())

    def trade_balance(self, asset: str = "ZUSD") -> list[FuturesMargin]:
        """Return one margin row per margin account (``asset`` is a spot notion: unused)."""
        return parse_margin(self.client.accounts())

    def open_orders(self, cl_ord_id: str | None = None) -> list[FuturesOrder]:
        """Return the open orders (only the one with ``cl_ord_id`` when given)."""
        orders = parse_orders(self.client.openorders())
        return [o for o in orders if cl_ord_id in (None, o.cl_ord_id)]

    def closed_orders(self, window: Window | None = None) -> list[Order]:
        """Kraken Futures keeps no closed-order list: refuse (exit 2)."""
        raise _no_variant("closed-orders")

    def trades(self, window: Window | None = None) -> list[FuturesFill]:
        """Return the recent fills in the window, newest first, at most ``window.limit``.

        Kraken keeps the most recent 100 per call; the window filters those.
        """
        window = window or Window(limit=FILLS_PER_CALL)
        fills = parse_fills(self.client.fills())
        return [f for f in fills if window.holds(_unix(f.time))][: window.limit]

    def ledger(
        self, window: Window | None = None, asset: str | None = None, kind: str | None = None
    ) -> list[LedgerEntry]:
        """Kraken Futures has no ledger endpoint here: refuse (exit 2)."""
        raise _no_variant("ledger")

    def positions(self, consolidate: bool = False) -> list[FuturesPosition]:
        """Return the open positions (``consolidate`` is spot margin's: refused)."""
        if consolidate:
            raise UsageError("--consolidate is a spot margin option", hint="use --market margin")
        return parse_positions(self.client.openpositions())

    def trade_volume(self, pairs: Sequence[str]) -> list[FeeTier]:
        """Kraken Futures fees are a schedule, not TradeVolume: refuse (exit 2)."""
        raise _no_variant("fees")


def _no_variant(command: str) -> UsageError:
    return UsageError(
        f"{command} has no futures variant", hint="use --market spot or --market margin"
    )


def _unix(moment: Moment | None) -> float | None:
    if isinstance(moment, datetime):
        return moment.timestamp()
    return ms_from_iso(moment) / 1000 if moment else None
