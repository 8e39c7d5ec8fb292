"""The floors of `krx stream trades`: the least a Python process can do with the same bytes.

Each mode connects to ``bench/stream_feed.py``, subscribes to ``trade`` and consumes ``--n``
trades, then exits. Like krx it runs as its own process writing to a pipe, so the benchmark
times every contender the same way (``stream_e2e.py``).

Same contract as krx (stdout a pipe, one ``os.write`` per line, krx's record shape, the exact
number text of the wire), on the faster stock WebSocket client (websockets' sync client):

* ``msgspec``: ``msgspec.json.Decoder(float_hook=str)`` + ``msgspec.json.encode`` per record;
* ``msgspec-orjson``: the same decoder + ``orjson.dumps`` per record.

Transport ceiling (no decoding, no output: receive messages and count the trades the feed
announced, one trade per message in that benchmark):

* ``recv-websocket-client``: websocket-client ``recv`` (``skip_utf8_validation=True``);
* ``recv-websockets``: websockets' sync client ``recv(decode=False)``, compression off.

Every mode writes one line when the first trade arrives and, for the ceilings, one at the end,
so the parent samples this process's CPU time over the same span as krx's.

Usage: python bench/stream_floor.py MODE URL --n N [--batch TRADES_PER_MESSAGE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

SUBSCRIBE = json.dumps(
    {"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USD"]}, "req_id": 1}
)


def _websockets(url: str) -> tuple[Callable[[], bytes], Callable[[], None]]:
    from websockets.sync.client import connect

    ws = connect(url, compression=None, max_size=16 * 1024 * 1024)
    ws.send(SUBSCRIBE)
    return (lambda: ws.recv(decode=False)), ws.close  # type: ignore[return-value]


def _websocket_client(url: str) -> tuple[Callable[[], bytes], Callable[[], None]]:
    import websocket

    ws = websocket.create_connection(url, skip_utf8_validation=True, enable_multithread=False)
    ws.send(SUBSCRIBE)
    return ws.recv, ws.close


def same_contract(url: str, n: int, encode: Callable[[Any], bytes]) -> None:
    """Decode exactly, build krx's record, write one line per trade to stdout."""
    import msgspec

    decode = msgspec.json.Decoder(float_hook=str).decode
    recv, close = _websockets(url)
    write = os.write
    got = 0
    while got < n:
        msg = decode(recv())
        if msg.get("channel") != "trade":
            continue
        for t in msg["data"]:
            record = {
                "channel": "trade",
                "symbol": t["symbol"],
                "trade_id": t["trade_id"],
                "time": t["timestamp"],
                "price": t["price"],
                "volume": t["qty"],
                "side": t["side"],
                "ord_type": t["ord_type"],
            }
            write(1, encode(record) + b"\n")
            got += 1
            if got == n:
                break
    close()


def ceiling(url: str, n: int, client: str, batch: int) -> None:
    """Receive ``n / batch`` data messages; no decoding, no output between the two marks."""
    recv, close = (_websockets if client == "websockets" else _websocket_client)(url)
    while not _text(recv()).startswith('{"channel":"trade"'):
        pass  # the subscribe ack
    os.write(1, b"first\n")
    for _ in range(n // batch - 1):
        recv()
    os.write(1, b"last\n")
    close()


def _text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("url")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--batch", type=int, default=1)
    args = ap.parse_args()
    if args.mode == "msgspec":
        import msgspec

        same_contract(args.url, args.n, msgspec.json.Encoder().encode)
    elif args.mode == "msgspec-orjson":
        import orjson

        same_contract(args.url, args.n, orjson.dumps)
    elif args.mode in ("recv-websockets", "recv-websocket-client"):
        ceiling(args.url, args.n, args.mode.removeprefix("recv-"), args.batch)
    else:
        raise SystemExit(f"unknown mode {args.mode}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
