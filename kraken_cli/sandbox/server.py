"""HTTP + WebSocket server of the sandbox (Starlette for REST, raw ASGI for WS, one port).

``run(options)`` blocks in the foreground until SIGINT/SIGTERM, printing the ready lines and
writing the state file once the socket listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from kraken_cli.config.sandbox_state import (
    SANDBOX_FUTURES_KEY,
    SANDBOX_FUTURES_SECRET,
    default_state_file,
    remove_state,
    write_state,
)
from kraken_cli.sandbox import control
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.faults import HTML_520
from kraken_cli.sandbox.options import LOOPBACK, Options
from kraken_cli.sandbox.rest_private import handle_private
from kraken_cli.sandbox.rest_public import PUBLIC, ApiError
from kraken_cli.sandbox.wire import envelope
from kraken_cli.sandbox.ws import serve_ws
from kraken_cli.sandbox.ws_link import Receive, Scope, Send

LOG = logging.getLogger("kraken_cli.sandbox")
#: Idle HTTP keep-alive (seconds). uvicorn's 5 s default closes pooled connections just as
#: clients (requests, aiohttp, httpx) reuse them -> ECONNRESET; a production edge keeps them.
KEEP_ALIVE_S = 600


def _json(body: str) -> Response:
    return Response(body, media_type="application/json")


async def _delay_reply(sb: Sandbox) -> None:
    """Hold a reply for ``delay_ms``: AFTER handling, so a client that gives up has still had
    its request applied (a lost reply, e.g. an AddOrder that Kraken placed)."""
    if sb.faults.delay_ms:
        await asyncio.sleep(sb.faults.delay_ms / 1000)


def _faults_first(sb: Sandbox) -> Response | None:
    """Apply REST faults that replace handling: injected HTTP 5xx, ``EService:Unavailable``."""
    faults = sb.faults
    code = faults.take_http_error()
    if code is not None:
        return Response(
            HTML_520 if code == 520 else f"<html><body>{code}</body></html>",
            status_code=code,
            media_type="text/html",
        )
    if faults.take_unavailable():
        return _json(envelope(errors=["EService:Unavailable"]))
    return None


async def public_endpoint(sb: Sandbox, request: Request) -> Response:
    """``/0/public/<Method>``: GET only, HTTP 200 with the error array on failure."""
    response = _public(sb, request)
    await _delay_reply(sb)
    return response


def _public(sb: Sandbox, request: Request) -> Response:
    fault = _faults_first(sb)
    if fault is not None:
        return fault
    method = request.path_params["method"]
    handler = PUBLIC.get(method)
    if handler is None:
        return _json(envelope(errors=["EGeneral:Unknown method"]))
    if request.method != "GET":
        return _json(envelope(errors=["EGeneral:Invalid arguments"]))
    try:
        return _json(envelope(handler(sb, request.query_params)))
    except ApiError as exc:
        return _json(envelope(errors=[str(exc)]))
    except Exception:  # a sandbox bug: answer like Kraken's backend would, keep the trace
        LOG.exception("internal error in %s", method)
        return _json(envelope(errors=["EGeneral:Internal error"]))


async def private_endpoint(sb: Sandbox, request: Request) -> Response:
    """``/0/private/<Method>``: POST only, authenticated."""
    body = await request.body()
    response = _private(sb, request, body)
    await _delay_reply(sb)
    return response


def _private(sb: Sandbox, request: Request, body: bytes) -> Response:
    fault = _faults_first(sb)
    if fault is not None:
        return fault
    if request.method != "POST":
        return _json(envelope(errors=["EGeneral:Invalid arguments"]))
    try:
        result = handle_private(
            sb, request.path_params["method"], request.url.path, request.headers, body
        )
    except ApiError as exc:
        return _json(envelope(errors=[str(exc)]))
    except Exception:  # a sandbox bug: answer like Kraken's backend would, keep the trace
        LOG.exception("internal error in %s", request.path_params["method"])
        return _json(envelope(errors=["EGeneral:Internal error"]))
    return _json(envelope(result))


def build_app(sb: Sandbox) -> Any:
    """Return the ASGI app: WS to :func:`serve_ws`, HTTP (and futures WS) to Starlette routes."""
    from kraken_cli.sandbox.futures import FuturesState, futures_routes
    from kraken_cli.sandbox.futures.ws import RAW_SEND

    def bind(fn: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            response: Response = await fn(sb, request)
            return response

        return endpoint

    futures_state = FuturesState.from_seed(
        sb.options.seed,
        started_ms=sb.started_ns // 1_000_000,
        live_rate=sb.options.live_rate,
        faults=sb.faults,
    )
    futures = futures_routes(futures_state)
    http = Starlette(
        routes=[
            Route("/0/public/{method}", bind(public_endpoint), methods=["GET", "POST"]),
            Route("/0/private/{method}", bind(private_endpoint), methods=["GET", "POST"]),
            Route("/sandbox/faults", bind(control.faults), methods=["GET", "POST"]),
            Route("/sandbox/tape", bind(control.tape), methods=["GET"]),
            Route("/sandbox/orders", bind(control.orders), methods=["GET"]),
            Route("/sandbox/calls", bind(control.calls), methods=["GET"]),
            Route("/sandbox/ws", bind(control.ws_limits), methods=["GET"]),
            Mount("/futures", routes=futures),
            # and where futures.kraken.com has them, for clients that join absolute paths
            *futures,
        ]
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # The futures WS (/futures/ws/v1, /ws/v1) is a Starlette route; others are spot WS.
        path = str(scope.get("path", ""))
        if scope["type"] == "websocket" and not (path.startswith("/futures/") or path == "/ws/v1"):
            await serve_ws(sb, scope, receive, send)
        elif scope["type"] == "websocket":
            # the server's own send, under Starlette's wrappers: the drop fault cuts its socket
            await http({**scope, RAW_SEND: send}, receive, send)
        else:
            await http(scope, receive, send)

    return app


class _Server(uvicorn.Server):
    """uvicorn's server without re-raising the captured signal after shutdown.

    uvicorn re-raises SIGINT/SIGTERM once it stops, which would kill the process before the
    state file is removed.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        def stop(sig: int, frame: object) -> None:
            self.should_exit = True

        originals = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def check_host(options: Options) -> None:
    """Refuse a non-loopback bind unless ``--allow-remote``."""
    if options.host not in LOOPBACK and not options.allow_remote:
        raise ValueError(
            f"refusing to bind {options.host}: the sandbox is loopback-only "
            "(pass --allow-remote to override)"
        )


def _socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # is TCP; with proto 0 every small reply waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def ready_lines(state: dict[str, object]) -> str:
    """Return the lines printed once the sandbox is ready."""
    return (
        "krx sandbox ready\n"
        f"REST      {state['rest_url']}\n"
        f"WS        {state['ws_url']}\n"
        f"WS auth   {state['ws_auth_url']}\n"
        f"API key   {state['api_key']}\n"
        f"API secret {state['api_secret']}\n"
        f"Futures   {state['futures_url']}\n"
        f"Futures WS {state['futures_ws_url']}\n"
    )


async def serve(options: Options, state_file: Path) -> None:
    """Start the market and the server; announce readiness; run until told to stop."""
    sb = Sandbox(options)
    sock = _socket(options.host, options.port)
    port = sock.getsockname()[1]
    host = f"[{options.host}]" if ":" in options.host else options.host
    config = uvicorn.Config(
        build_app(sb),
        log_level="warning",
        access_log=False,
        ws="websockets-sansio",
        lifespan="off",
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    server = _Server(config)
    ticker = asyncio.create_task(sb.run())
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    state: dict[str, object] = {
        "pid": os.getpid(),
        "rest_url": f"http://{host}:{port}",
        "ws_url": f"ws://{host}:{port}/v2",
        "ws_auth_url": f"ws://{host}:{port}/auth/v2",
        "futures_url": f"http://{host}:{port}/futures",
        "futures_ws_url": f"ws://{host}:{port}/futures/ws/v1",
        "api_key": sb.account.api_key,
        "api_secret": sb.account.api_secret,
        "futures_api_key": SANDBOX_FUTURES_KEY,
        "futures_api_secret": SANDBOX_FUTURES_SECRET,
        "seed": options.seed,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sb.started_ns // 10**9)),
    }
    try:
        if server.started:
            write_state(state_file, state)
            sys.stdout.write(ready_lines(state))
            sys.stdout.flush()
        await serving
    finally:
        ticker.cancel()
        remove_state(state_file, os.getpid())


def run(options: Options) -> int:
    """Run the sandbox in the foreground; return the process exit code."""
    check_host(options)
    state_file = options.state_file or default_state_file()
    asyncio.run(serve(options, state_file))
    return 0
