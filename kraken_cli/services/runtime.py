"""Process-wide figures of the connector that front ends export (``krx serve``'s metrics)."""

from __future__ import annotations


def kraken_requests() -> dict[str, int]:
    """Return the REST requests this process sent to Kraken, by outcome (status or ``error``)."""
    from kraken_cli.client.http import SENT

    return SENT.snapshot()
