"""The account use case: one interface whatever the segment (spot, margin, futures).

``open_account(settings, market)`` returns an :class:`Account` whose methods return the typed
records of ``models.account``; request rules (time windows, row limits, which positions view a
segment shows) live behind it, so every front end gets them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kraken_cli.models.segment import Market

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.models.account import Balance, Fill, LedgerEntry, Order, RecordTypes
    from kraken_cli.models.fees import FeeTier
    from kraken_cli.models.margin import MarginSummary, Position

#: Kraken's page size for ClosedOrders, TradesHistory and Ledgers.
PAGE = 50


@dataclass(frozen=True)
class Window:
    """Optional time window (unix seconds) and row limit for the history calls."""

    start: int | None = None
    end: int | None = None
    limit: int = PAGE

    @classmethod
    def parse(cls, since: str | None, until: str | None, limit: int = PAGE) -> Window:
        """Parse ``--since``/``--until`` (ISO, unix or ``7d``); exit 2 for a reversed range."""
        from kraken_cli.models.times import check_range, parse_time

        first = parse_time(since) if since else None
        last = parse_time(until) if until else None
        check_range(first, last)
        return cls(
            int(first.timestamp()) if first else None,
            int(last.timestamp()) if last else None,
            limit,
        )

    def holds(self, unix_s: float | None) -> bool:
        """Whether a moment (unix seconds; None: unknown) lies in the window (inclusive)."""
        if self.start is None and self.end is None:
            return True
        if unix_s is None:
            return False
        return (self.start is None or unix_s >= self.start) and (
            self.end is None or unix_s <= self.end
        )

    def params(self) -> dict[str, str]:
        """Return Kraken's ``start``/``end`` body fields (unix seconds)."""
        out = {}
        if self.start is not None:
            out["start"] = str(self.start)
        if self.end is not None:
            out["end"] = str(self.end)
        return out


class Account(Protocol):
    """Read-only account queries of one key on one segment."""

    market: Market
    records: RecordTypes

    def balances(self) -> Sequence[Balance]:
        """Return the balances."""
        ...

    def trade_balance(self, asset: str = "ZUSD") -> Sequence[MarginSummary]:
        """Return the margin summary (one row; futures: one per margin account)."""
        ...

    def open_orders(self, cl_ord_id: str | None = None) -> Sequence[Order]:
        """Return the open orders (only the one with ``cl_ord_id`` when given)."""
        ...

    def closed_orders(self, window: Window | None = None) -> Sequence[Order]:
        """Return closed orders, newest first."""
        ...

    def trades(self, window: Window | None = None) -> Sequence[Fill]:
        """Return the account's own fills, newest first, at most ``window.limit``."""
        ...

    def ledger(
        self, window: Window | None = None, asset: str | None = None, kind: str | None = None
    ) -> Sequence[LedgerEntry]:
        """Return ledger entries, newest first."""
        ...

    def positions(self, consolidate: bool = False) -> Sequence[Position]:
        """Return open positions (``consolidate``: one row per market, spot margin)."""
        ...

    def trade_volume(self, pairs: Sequence[str]) -> Sequence[FeeTier]:
        """Return the key's fee tier on each pair (Kraken pair names) and 30-day volume."""
        ...

    def close(self) -> None:
        """Release the connections."""
        ...

    def __enter__(self) -> Account: ...

    def __exit__(self, *exc: object) -> None: ...


class Closing:
    """Mixin: ``with`` support over ``close()``."""

    def close(self) -> None:
        """Release the connections."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_account(
    settings: Settings,
    market: Market,
    *,
    otp: str | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> Account:
    """Return the account service of ``market`` for the configured key of that segment."""
    if market.uses_futures_api:
        from kraken_cli.services.account.futures import FuturesAccount
        from kraken_cli.services.market.futures import futures_client

        return FuturesAccount(futures_client(settings, debug_log=debug_log))
    from kraken_cli.services.account.spot import SpotAccount, lookup_names, open_private

    names = lookup_names(settings, debug_log)
    api = open_private(settings, otp=otp, debug_log=debug_log)
    return SpotAccount(api, names, margin=market is Market.MARGIN)
