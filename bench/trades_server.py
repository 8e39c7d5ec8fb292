"""A Trades-only REST server for the history download benchmark: real-shaped pages, from memory.

The sandbox renders each Trades page as it is asked (and with 4-decimal times); paging 30 days
through it would time the sandbox as much as the client. This server takes the sandbox's BTC/USD
tape (same generator), renders each page the way Kraken does (price and volume strings, a float
time with 7 decimals, ``last`` as exact nanoseconds, at most 1000 rows, never splitting a run of
equal times) and keeps every page it rendered by its query, so a second pass over the same
cursors (krx and the floor ask the same ones) is served from memory. HTTP/1.1 keep-alive.

Usage: python bench/trades_server.py --days 30 --trade-interval 10   (prints ``PORT <n>``)
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kraken_cli.sandbox.market import PAIRS  # noqa: E402
from kraken_cli.sandbox.rest_public import padded  # noqa: E402
from kraken_cli.sandbox.tape import Tape  # noqa: E402
from kraken_cli.sandbox.wire import NS, units_text  # noqa: E402

#: The tape ends here (a fixed instant: every run serves the same trades).
END_NS = 1_790_000_000 * NS
PAGE = 1000


def make_tape(days: float, trade_interval: float) -> Tape:
    """Return the seed-1 BTC/USD tape holding ``days`` of history before END_NS."""
    return Tape(PAIRS["XXBTZUSD"], 1, END_NS, days, trade_interval, 0)


def render_page(tape: Tape, since_ns: int) -> bytes:
    """Render the Trades answer for ``since`` (ns, exclusive) as Kraken's JSON bytes."""
    pair = tape.pair
    trades, last = tape.page(since_ns, PAGE, END_NS)
    rows = ",".join(
        f'["{padded(pair, t.price)}","{units_text(t.volume, pair.lot_decimals)}",'
        f'{t.ns // NS}.{t.ns % NS // 100:07d},"{t.side}","{t.otype}","",{t.trade_id}]'
        for t in trades
    )
    return f'{{"error":[],"result":{{"XXBTZUSD":[{rows}],"last":"{last}"}}}}'.encode()


def serve(tape: Tape) -> ThreadingHTTPServer:
    """Return a bound server answering ``/0/public/Trades`` (the caller runs it)."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/tape":  # the truth: every trade's (ns, id), for the checks
                body = json.dumps(
                    [[t.ns, t.trade_id] for t in tape.iter_after(tape.origin_ns - 1, END_NS)]
                ).encode()
            elif url.path == "/0/public/Trades":
                body = pages.get(url.query) or b""
                if not body:
                    since = int(dict(parse_qsl(url.query)).get("since", "0"))
                    body = pages[url.query] = render_page(tape, since)
            else:
                self.send_error(404)
                return
            # one write: headers and body in separate segments would wait on delayed ACKs
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
            )
            self.wfile.write(head.encode() + b"\r\n\r\n" + body)

        def log_message(self, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def main() -> None:
    """Serve until killed; print ``PORT <n>`` first."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--trade-interval", type=float, default=10.0)
    args = parser.parse_args()
    server = serve(make_tape(args.days, args.trade_interval))
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
