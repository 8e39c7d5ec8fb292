"""The trading use case: one interface whatever the segment (spot, margin, futures).

``open_trading(settings, market)`` returns a :class:`Trading`. Its rules hold on every segment:
inputs are checked before any network use (``rules``), every order carries a client order id,
an order is sent once and never re-sent blindly (after a lost reply it is looked up by that id),
and the confirmation question is composed here so every front end asks the same one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from kraken_cli.models.segment import Market

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.models.account import Record
    from kraken_cli.models.trading import AmendRequest, OrderRequest, Placement, Ticket


class Trading(Protocol):
    """Place, amend and cancel orders of one key on one segment."""

    market: Market

    def prepare(self, req: OrderRequest) -> Ticket:
        """Check an order (inputs, then the market's rules); compose its confirmation question."""
        ...

    def place(self, ticket: Ticket) -> Placement:
        """Send a prepared order once (``validate``: only validated)."""
        ...

    def find(self, cl_ord_id: str) -> Record | None:
        """Return the order with this client order id (open or recently done), or None."""
        ...

    def amend(self, req: AmendRequest) -> Record:
        """Change an open order's volume or prices."""
        ...

    def cancel(self, ids: Sequence[str]) -> Sequence[Record]:
        """Cancel orders by order id or client order id."""
        ...

    def cancel_all_question(self, symbol: str | None = None) -> str:
        """Return the confirmation question for cancel-all (refuses options it lacks)."""
        ...

    def cancel_all(self, symbol: str | None = None) -> Record:
        """Cancel every open order (of one contract, where the segment allows it)."""
        ...

    def close(self) -> None:
        """Release the connections."""
        ...

    def __enter__(self) -> Trading: ...

    def __exit__(self, *exc: object) -> None: ...


def open_trading(
    settings: Settings,
    market: Market,
    *,
    otp: str | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> Trading:
    """Return the trading service of ``market`` for the configured key of that segment."""
    if market.uses_futures_api:
        from kraken_cli.services.market.futures import futures_client
        from kraken_cli.services.trading.futures import FuturesTrading

        return FuturesTrading(futures_client(settings, debug_log=debug_log))
    from kraken_cli.services.trading.spot import SpotTrading

    return SpotTrading(settings, margin=market is Market.MARGIN, otp=otp, debug_log=debug_log)
