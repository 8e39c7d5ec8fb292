"""The market segment a use case runs against: spot, margin or futures.

Services take it as a parameter (one interface per use case whatever the segment); front ends
(CLI ``--market``, HTTP ``{market}``, MCP arguments) parse it with :func:`parse_market`.
"""

from __future__ import annotations

from enum import StrEnum

from kraken_cli.errors import UsageError


class Market(StrEnum):
    """Kraken's market segments (spot and margin share the spot API; futures has its own)."""

    SPOT = "spot"
    MARGIN = "margin"
    FUTURES = "futures"

    @property
    def uses_futures_api(self) -> bool:
        """Whether the segment is served by Kraken Futures (futures.kraken.com)."""
        return self is Market.FUTURES


def parse_market(text: str) -> Market:
    """Parse ``spot``/``margin``/``futures`` (any case, surrounding blanks ignored); exit 2 else."""
    try:
        return Market(text.strip().lower())
    except ValueError:
        raise UsageError(f"unknown market {text!r}", hint="use spot, margin or futures") from None
