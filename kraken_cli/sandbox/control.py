"""The sandbox's own endpoints under ``/sandbox`` (loopback clients only).

* ``GET/POST /sandbox/faults`` — read or change the fault settings (JSON, see faults.py);
* ``GET /sandbox/tape?pair=&since=&until=`` — the ground-truth tape as JSON lines;
* ``GET /sandbox/orders`` — the account's orders, fills and the order event log;
* ``GET /sandbox/ws`` — WS limit counters: connects, subscriptions, refusals (ws_limits.py);
* ``GET /sandbox/calls`` — authenticated private REST calls per method (e.g. how many
  ``AddOrder`` or ``GetWebSocketsToken`` requests reached the engine).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.faults import FaultError
from kraken_cli.sandbox.market import rest_pair
from kraken_cli.sandbox.orders import fill_json, order_json
from kraken_cli.sandbox.wire import dumps, units_text

LOOPBACK_CLIENTS = ("127.0.0.1", "::1", "localhost", "testclient")


def _local(request: Request) -> bool:
    return request.client is not None and request.client.host in LOOPBACK_CLIENTS


async def faults(sb: Sandbox, request: Request) -> Response:
    """Read (GET) or update (POST, JSON object) the fault settings."""
    if not _local(request):
        return PlainTextResponse("forbidden", status_code=403)
    if request.method == "POST":
        try:
            spec = json.loads(await request.body() or b"{}")
            if not isinstance(spec, dict):
                raise FaultError("body must be a JSON object")
            before = sb.faults.system_status
            sb.faults.update(spec)
            if sb.faults.system_status != before:
                sb.publish("status", "", sb.faults.system_status)
        except (ValueError, FaultError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(sb.faults.to_json())


async def tape(sb: Sandbox, request: Request) -> Response:
    """Stream the tape of one pair between ``since`` (exclusive) and ``until`` (ns)."""
    if not _local(request):
        return PlainTextResponse("forbidden", status_code=403)
    pair = rest_pair(request.query_params.get("pair", ""))
    if pair is None:
        return JSONResponse({"error": "unknown pair"}, status_code=400)
    source = sb.tapes[pair.key]
    try:
        since = int(request.query_params.get("since", source.origin_ns - 1))
        until = min(int(request.query_params.get("until", sb.now())), sb.now())
    except ValueError:
        return JSONResponse({"error": "since/until must be integers (ns)"}, status_code=400)
    pd, ld = pair.pair_decimals, pair.lot_decimals
    lines = [
        dumps(
            {
                "trade_id": t.trade_id,
                "time_ns": t.ns,
                "price": units_text(t.price, pd),
                "volume": units_text(t.volume, ld),
                "side": t.side,
                "ordertype": t.otype,
            }
        )
        for t in source.iter_after(since, until)
    ]
    return Response("".join(line + "\n" for line in lines), media_type="application/x-ndjson")


async def orders(sb: Sandbox, request: Request) -> Response:
    """Return every order, fill and order event of the account."""
    if not _local(request):
        return PlainTextResponse("forbidden", status_code=403)
    ex = sb.exchange
    body = {
        "orders": {o.txid: order_json(o, True) for o in ex.orders.values()},
        "fills": {f.id: fill_json(f, True) for f in ex.fills},
        "events": ex.log,
    }
    return Response(dumps(body), media_type="application/json")


async def calls(sb: Sandbox, request: Request) -> Response:
    """Return the number of authenticated private REST calls per method."""
    if not _local(request):
        return PlainTextResponse("forbidden", status_code=403)
    return JSONResponse(dict(sorted(sb.calls.items())))


async def ws_limits(sb: Sandbox, request: Request) -> Response:
    """Return the WS limit counters (connects and subscriptions made and refused)."""
    if not _local(request):
        return PlainTextResponse("forbidden", status_code=403)
    return JSONResponse(sb.ws_limits.to_json())
