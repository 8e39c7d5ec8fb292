"""A replay WS server for the end-to-end stream benchmark: the sandbox's own trade feed, sent
faster than any client can read it.

The live sandbox generates and renders each trade as it publishes (~20 µs/trade in Python), so
at a high ``--live-rate`` it, not the client, bounds a benchmark. This server pre-renders the
sandbox's BTC/USD tape (same generator, same wire text as the sandbox's ``trade`` channel) in
messages of ``--batch`` trades, framed once, and after the subscribe ack writes them all back to
back straight to the socket. Every client (the floors and krx) gets the identical byte stream.

Usage: python bench/stream_feed.py --trades 200000 --batch 20   (prints ``PORT <n>``)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kraken_cli.sandbox.market import PAIRS  # noqa: E402
from kraken_cli.sandbox.tape import Tape  # noqa: E402
from kraken_cli.sandbox.wire import NS, dumps  # noqa: E402
from kraken_cli.sandbox.ws_render import trade_json  # noqa: E402

STARTED = 1_790_000_000 * NS


def build_feed(trades: int, batch: int) -> list[str]:
    """Render ``trades`` live BTC/USD trades of the seed-1 tape into trade messages."""
    pair = PAIRS["XXBTZUSD"]
    tape = Tape(pair, 1, STARTED, 0.05, 20, 100_000)
    rows = []
    for trade in tape.iter_after(STARTED - 1, STARTED + 3600 * NS):
        rows.append(trade_json(pair, trade))
        if len(rows) >= trades:
            break
    return [
        dumps({"channel": "trade", "type": "update", "data": rows[i : i + batch]})
        for i in range(0, len(rows), batch)
    ]


def _frame(text: str) -> bytes:
    """Encode a server (unmasked) text frame."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes((0x81, n)) + data
    if n < 1 << 16:
        return bytes((0x81, 126)) + n.to_bytes(2, "big") + data
    return bytes((0x81, 127)) + n.to_bytes(8, "big") + data


async def serve(feed: list[str]) -> None:
    """Serve the feed to every client that subscribes to ``trade``."""
    import websockets

    frames = [_frame(text) for text in feed]
    chunks = [b"".join(frames[i : i + 256]) for i in range(0, len(frames), 256)]

    async def handler(ws: websockets.ServerConnection) -> None:
        async for text in ws:
            msg = json.loads(text)
            if msg.get("method") == "ping":
                await ws.send(json.dumps({"method": "pong", "req_id": msg.get("req_id")}))
                continue
            if msg.get("method") != "subscribe":
                continue
            for symbol in msg["params"].get("symbol", []):
                ack = {
                    "method": "subscribe",
                    "result": {"channel": "trade", "snapshot": False, "symbol": symbol},
                    "success": True,
                    "time_in": "2026-01-01T00:00:00.000000Z",
                    "time_out": "2026-01-01T00:00:00.000000Z",
                    "req_id": msg.get("req_id"),
                }
                await ws.send(json.dumps(ack))
            # pre-framed bytes straight to the transport: the server costs ~nothing per message
            for chunk in chunks:
                ws.transport.write(chunk)
                await ws.drain()  # waits while the client lags (flow control)

    async with websockets.serve(handler, "127.0.0.1", 0, max_queue=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        sys.stdout.write(f"PORT {port}\n")
        sys.stdout.flush()
        await asyncio.Future()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trades", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=20)
    args = ap.parse_args()
    asyncio.run(serve(build_feed(args.trades, args.batch)))


if __name__ == "__main__":
    main()
