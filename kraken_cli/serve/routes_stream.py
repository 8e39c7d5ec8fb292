"""Server-Sent Events: ``krx stream`` records to HTTP clients (``curl -N`` works)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from kraken_cli.errors import UsageError
from kraken_cli.models.segment import parse_market
from kraken_cli.serve.state import state_of
from kraken_cli.serve.streams import StreamHub, Subscriber

router = APIRouter(prefix="/api")
CHANNELS = ("trades", "ticker", "book", "candles")
#: A comment line this often keeps proxies and clients from timing the connection out.
KEEP_ALIVE_S = 15.0


@router.get(
    "/stream/kraken/{market}/{channel}/{symbol}",
    responses={200: {"description": "text/event-stream of stream records", "content": {
        "text/event-stream": {}}}},
)  # fmt: skip
async def stream(
    request: Request,
    market: Annotated[str, Path(json_schema_extra={"enum": ["spot", "margin", "futures"]})],
    channel: Annotated[str, Path(json_schema_extra={"enum": list(CHANNELS)})],
    symbol: Annotated[str, Path(description="BTCUSD, BTC/USD, PF_XBTUSD ...")],
) -> StreamingResponse:
    """Live records of one channel and symbol, one SSE ``data:`` line each.

    Clients following the same stream share one Kraken subscription; a client more than 1000
    records behind gets an ``overflow`` event and is disconnected.
    """
    segment = parse_market(market)
    wanted = channel.strip().lower()
    if wanted not in CHANNELS:
        raise UsageError(f"unknown channel {channel!r}", hint="one of " + ", ".join(CHANNELS))
    hub = state_of(request).streams
    key = (segment.value, wanted, symbol.strip().upper())
    subscriber = hub.subscribe(key, asyncio.get_running_loop())
    return StreamingResponse(
        _events(hub, key, subscriber),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    hub: StreamHub, key: tuple[str, str, str], subscriber: Subscriber
) -> AsyncIterator[bytes]:
    try:
        while True:
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), KEEP_ALIVE_S)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if item is None:
                return
            data = json.dumps(item, separators=(",", ":"), default=str)
            if "event" in item and "channel" not in item:
                yield f"event: {item['event']}\ndata: {data}\n\n".encode()
            else:
                yield f"data: {data}\n\n".encode()
    finally:
        hub.unsubscribe(key, subscriber)
