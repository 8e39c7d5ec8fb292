"""Starlette routes of the futures emulator: wire-faithful envelopes, errors and ``Authent``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from kraken_cli.models.futures import iso_ms
from kraken_cli.protocol.signing import futures_signature
from kraken_cli.sandbox.futures.market import (
    BY_SYMBOL,
    CONTRACTS,
    RESOLUTIONS,
    Contract,
    dumps,
)
from kraken_cli.sandbox.futures.state import FuturesState, ticker
from kraken_cli.sandbox.futures.trading import Reject
from kraken_cli.sandbox.futures.ws import serve_futures_ws


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


def _bad_symbol(state: FuturesState) -> Response:
    return _errors(state, "BAD_REQUEST", 11, "Argument invalid: symbol", 400)


def _contract(request: Request) -> Contract | None:
    return BY_SYMBOL.get(request.query_params.get("symbol", "").upper())


async def public(state: FuturesState, request: Request) -> Response:
    """``GET /derivatives/api/v3/{instruments,tickers,orderbook,history}``."""
    name = request.path_params["endpoint"]
    now = state.clock_ms()
    if name == "instruments":
        return _ok(state, instruments=[c.instrument() for c in CONTRACTS])
    if name == "tickers":
        return _ok(state, tickers=[ticker(state, c, now) for c in CONTRACTS])
    if name == "orderbook":
        c = _contract(request)
        return _bad_symbol(state) if c is None else _ok(state, orderBook=state.market.book(c, now))
    if name == "history":
        c = _contract(request)
        if c is None:
            return _bad_symbol(state)
        before = request.query_params.get("lastTime")
        before_ms = _ms(before) if before else now
        rows = [
            {
                "time": iso_ms(t.time_ms),
                "trade_id": t.seq,
                "price": t.price,
                "size": t.size,
                "side": t.side,
                "type": "fill",
                "uid": t.uid,
            }
            for t in state.market.trades_before(c, min(before_ms, now))
        ]
        return _ok(state, history=rows)
    return await private(state, request)


def _ms(text: str) -> int:
    from kraken_cli.models.futures import ms_from_iso

    return ms_from_iso(text)


def _signed_path(request: Request) -> str:
    path = request.url.path
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.removeprefix("/derivatives")


async def private(state: FuturesState, request: Request) -> Response:
    """Authenticated v3 endpoints: check ``APIKey``/``Nonce``/``Authent``, then dispatch."""
    name = request.path_params["endpoint"]
    handler = PRIVATE.get(name)
    if handler is None:
        return _errors(state, "NOT_FOUND", 0, "404 NOT_FOUND", 404)
    body = (await request.body()).decode()
    query = request.url.query
    key, authent = request.headers.get("apikey"), request.headers.get("authent")
    nonce = request.headers.get("nonce", "")
    if key != state.api_key or not authent:
        return _error(state, "authenticationError")
    path = _signed_path(request)
    good = {
        futures_signature(state.api_secret, path, data, nonce or None) for data in (body, query)
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
    params = dict(parse_qsl(body or query, keep_blank_values=True))
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
}


async def charts(state: FuturesState, request: Request) -> Response:
    """``GET /api/charts/v1/{tick_type}/{symbol}/{resolution}?from&to`` (no envelope)."""
    params = request.path_params
    if params["tick_type"] not in ("trade", "mark", "spot"):
        return PlainTextResponse("Invalid tick type", status_code=400)
    seconds = RESOLUTIONS.get(params["resolution"])
    if seconds is None:
        return PlainTextResponse("Invalid resolution", status_code=400)
    c = BY_SYMBOL.get(params["symbol"].upper())
    if c is None:
        return PlainTextResponse("Invalid symbol", status_code=400)
    now_s = state.clock_ms() // 1000
    try:
        frm = int(request.query_params.get("from", now_s - 2000 * seconds))
        to = int(request.query_params.get("to", now_s))
    except ValueError:
        return PlainTextResponse("Invalid from/to", status_code=400)
    candles, more = state.market.candles(c, seconds, frm, to, now_s)
    return Response(
        dumps({"candles": candles, "more_candles": more}), media_type="application/json"
    )


def futures_routes(state: FuturesState) -> list[BaseRoute]:
    """Return the futures routes, to be mounted under ``/futures``."""

    def bind(fn: Callable[[FuturesState, Request], Awaitable[Response]]) -> Any:
        async def endpoint(request: Request) -> Response:
            return await fn(state, request)

        return endpoint

    async def ws_endpoint(websocket: Any) -> None:
        await serve_futures_ws(state, websocket)

    return [
        Route("/derivatives/api/v3/{endpoint}", bind(public), methods=["GET", "POST", "PUT"]),
        Route("/api/charts/v1/{tick_type}/{symbol}/{resolution}", bind(charts), methods=["GET"]),
        WebSocketRoute("/ws/v1", ws_endpoint),
    ]


def new_order_id() -> str:
    """Return a fresh futures order id (UUID)."""
    return str(uuid.uuid4())
