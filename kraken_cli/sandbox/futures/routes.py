"""Starlette routes of the futures emulator: wire-faithful envelopes, errors and ``Authent``.

The same routes serve under ``/futures`` (krx's layout) and at the root, where
``futures.kraken.com`` has them (``/derivatives/api/...``, ``/api/charts/...``, ``/ws/v1``),
so python-kraken-sdk (which joins absolute paths onto its base URL) and ccxt need only a
base-URL change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from kraken_cli.protocol.signing import futures_signature
from kraken_cli.sandbox.control import _local
from kraken_cli.sandbox.futures.market import BY_SYMBOL, CONTRACTS, dumps
from kraken_cli.sandbox.futures.public import (
    PUBLIC,
    BadSymbol,
    chart,
    chart_catalogue,
    executions,
)
from kraken_cli.sandbox.futures.state import FuturesState
from kraken_cli.sandbox.futures.trading import Reject
from kraken_cli.sandbox.futures.ws import serve_futures_ws

#: versions served per public endpoint (v4 only has historical funding rates)
V4_ENDPOINTS = ("historicalfundingrates",)


def _ok(state: FuturesState, **payload: Any) -> Response:
    body = {"result": "success", **payload, "serverTime": state.server_time()}
    return Response(dumps(body), media_type="application/json")


def _error(state: FuturesState, word: str, status: int = 200) -> Response:
    body = {"result": "error", "error": word, "serverTime": state.server_time()}
    return Response(dumps(body), status_code=status, media_type="application/json")


def _errors(state: FuturesState, status: str, code: int, message: str, http: int) -> Response:
    body = {
        "status": status,
        "result": "error",
        "errors": [{"code": code, "message": message}],
        "serverTime": state.server_time(),
    }
    return Response(dumps(body), status_code=http, media_type="application/json")


def _not_found(state: FuturesState) -> Response:
    return _errors(state, "NOT_FOUND", 0, "404 NOT_FOUND", 404)


async def derivatives(state: FuturesState, request: Request) -> Response:
    """``/derivatives/api/{v3,v4}/{endpoint...}``: public endpoints, else the private ones."""
    version = request.path_params["version"]
    segments = [s for s in request.path_params["endpoint"].split("/") if s]
    if not segments or version not in ("v3", "v4"):
        return _not_found(state)
    state.account.run_dead_man(state.clock_ms())
    name, rest = segments[0], segments[1:]
    if version == "v4" and name not in V4_ENDPOINTS:
        return _not_found(state)
    handler = PUBLIC.get(name)
    if handler is None or "/".join(segments) in PRIVATE:
        return await private(state, request, "/".join(segments))
    try:
        return _ok(state, **handler(state, request.query_params, rest))
    except BadSymbol:
        return _errors(state, "BAD_REQUEST", 11, "Argument invalid: symbol", 400)
    except KeyError:
        return _not_found(state)


def _signed_path(request: Request) -> str:
    path = request.url.path
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.removeprefix("/derivatives")


async def private(state: FuturesState, request: Request, name: str) -> Response:
    """Authenticated endpoints: check ``APIKey``/``Nonce``/``Authent``, then dispatch."""
    handler = PRIVATE.get(name)
    if handler is None:
        return _not_found(state)
    body = (await request.body()).decode()
    query = request.url.query
    key, authent = request.headers.get("apikey"), request.headers.get("authent")
    nonce = request.headers.get("nonce", "")
    if key != state.api_key or not authent:
        return _error(state, "authenticationError")
    path = _signed_path(request)
    # clients sign the body, the query, or (python-kraken-sdk) both concatenated
    good = {
        futures_signature(state.api_secret, path, data, nonce or None)
        for data in (body, query, query + body)
    }
    if authent not in good:
        return _error(state, "authenticationError")
    if nonce:
        value = int(nonce) if nonce.isdigit() else -1
        if value in state.seen_nonces:
            return _error(state, "nonceDuplicate")
        if value < state.last_nonce - 60_000 or value < 0:
            return _error(state, "nonceBelowThreshold")
        state.seen_nonces.add(value)
        state.last_nonce = max(state.last_nonce, value)
    params = dict(parse_qsl(query, keep_blank_values=True))
    params |= dict(parse_qsl(body, keep_blank_values=True))
    try:
        return _ok(state, **handler(state, params))
    except Reject as exc:
        return _error(state, exc.word)


def _prices(state: FuturesState) -> dict[str, Decimal]:
    now = state.clock_ms()
    return {c.symbol: state.market.price_at(c, now // 60_000) for c in CONTRACTS}


PRIVATE: dict[str, Callable[[FuturesState, dict[str, str]], dict[str, Any]]] = {
    "accounts": lambda s, p: {"accounts": s.account.accounts(_prices(s))},
    "openpositions": lambda s, p: {"openPositions": s.account.positions_wire(_prices(s))},
    "openorders": lambda s, p: {"openOrders": s.account.open_orders_wire()},
    "fills": lambda s, p: {"fills": s.account.fills_wire(p.get("lastFillTime"))},
    "sendorder": lambda s, p: {"sendStatus": s.account.send(p, _prices(s), s.clock_ms())},
    "editorder": lambda s, p: {"editStatus": s.account.edit(p, s.clock_ms())},
    "cancelorder": lambda s, p: {"cancelStatus": s.account.cancel(p, s.clock_ms())},
    "cancelallorders": lambda s, p: {"cancelStatus": s.account.cancel_all(p, s.clock_ms())},
    "cancelallordersafter": lambda s, p: {"status": s.account.arm_dead_man(p, s.clock_ms())},
    "feeschedules/volumes": lambda s, p: {
        "volumesByFeeSchedule": s.account.volumes_by_fee_schedule()
    },
}


async def charts(state: FuturesState, request: Request) -> Response:
    """``GET /api/charts/v1/{tick_type}/{symbol}/{resolution}?from&to`` (no envelope)."""
    params = request.path_params
    status, body = chart(
        state, params["tick_type"], params["symbol"], params["resolution"], request.query_params
    )
    if isinstance(body, str):
        return PlainTextResponse(body, status_code=status)
    return Response(dumps(body), media_type="application/json")


async def market_executions(state: FuturesState, request: Request) -> Response:
    """``GET /api/history/v3/market/{symbol}/executions`` (no envelope)."""
    try:
        body = executions(state, request.path_params["symbol"], request.query_params)
    except BadSymbol:
        return _errors(state, "BAD_REQUEST", 11, "Argument invalid: symbol", 400)
    except ValueError:
        return _errors(state, "BAD_REQUEST", 11, "Argument invalid", 400)
    return Response(dumps(body), media_type="application/json")


async def tape(state: FuturesState, request: Request) -> Response:
    """``GET /sandbox/futures/tape?symbol=&since=&until=`` (ms; since exclusive, until now at
    most): the ground truth of every trade the feed and REST serve, oldest first, NDJSON."""
    if not _local(request):
        return PlainTextResponse("forbidden", status_code=403)
    contract = BY_SYMBOL.get(request.query_params.get("symbol", "").upper())
    if contract is None:
        return JSONResponse({"error": "unknown symbol"}, status_code=400)
    now = state.clock_ms()
    try:
        since = int(request.query_params.get("since", state.market.started_ms - 1))
        until = min(int(request.query_params.get("until", now)), now)
    except ValueError:
        return JSONResponse({"error": "since/until must be integers (ms)"}, status_code=400)
    rows = state.market.trades_between(contract, since, until)
    lines = [
        dumps(
            {
                "uid": t.uid,
                "time_ms": t.time_ms,
                "price": t.price,
                "size": t.size,
                "side": t.side,
                "seq": t.seq,
            }
        )
        for t in rows
    ]
    return PlainTextResponse("".join(line + "\n" for line in lines))


async def chart_lists(state: FuturesState, request: Request) -> Response:
    """``/api/charts/v1/``, ``/{tick_type}``, ``/{tick_type}/{symbol}``: what can be charted."""
    params = request.path_params
    return JSONResponse(chart_catalogue(params.get("tick_type"), params.get("symbol")))


def futures_routes(state: FuturesState) -> list[BaseRoute]:
    """Return the futures routes (mounted under ``/futures`` and at the root)."""

    def bind(fn: Callable[[FuturesState, Request], Awaitable[Response]]) -> Any:
        async def endpoint(request: Request) -> Response:
            return await fn(state, request)

        return endpoint

    async def ws_endpoint(websocket: Any) -> None:
        await serve_futures_ws(state, websocket)

    verbs = ["GET", "POST", "PUT"]
    charts_root = "/api/charts/v1"
    return [
        Route("/derivatives/api/{version}/{endpoint:path}", bind(derivatives), methods=verbs),
        Route(charts_root + "/{tick_type}/{symbol}/{resolution}", bind(charts), methods=["GET"]),
        Route(charts_root + "/{tick_type}/{symbol}", bind(chart_lists), methods=["GET"]),
        Route(charts_root + "/{tick_type}", bind(chart_lists), methods=["GET"]),
        Route(charts_root + "/", bind(chart_lists), methods=["GET"]),
        Route(
            "/api/history/v3/market/{symbol}/executions",
            bind(market_executions),
            methods=["GET"],
        ),
        WebSocketRoute("/ws/v1", ws_endpoint),
        Route("/sandbox/futures/tape", bind(tape), methods=["GET"]),
    ]
