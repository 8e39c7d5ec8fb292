"""What a WS v2 channel handler sees of its connection, and the ASGI types around it.

The channel modules (public, private, trading) depend on this small interface, not on
:class:`kraken_cli.sandbox.ws.Connection`, so the connection can build them without a cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from kraken_cli.sandbox.core import Sandbox

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

WRONG_HOST_PUBLIC = (
    "Private data and trading are unavailable on this endpoint. Try ws-auth.kraken.com"
)
WRONG_HOST_PRIVATE = (
    "Public market data subscriptions are unavailable on this endpoint. Try ws.kraken.com"
)


class Link(Protocol):
    """One client connection as channel handlers use it."""

    sb: Sandbox
    private: bool
    subs: dict[tuple[str, str], dict[str, object]]
    lock: asyncio.Lock

    async def send(self, message: object, data: bool = True) -> None:
        """Send one JSON text frame (``data`` frames count for the drop fault)."""

    async def reply(self, body: dict[str, object], req_id: object, time_in: str) -> None:
        """Send an ack/error with ``time_in``/``time_out`` and the echoed ``req_id``."""
