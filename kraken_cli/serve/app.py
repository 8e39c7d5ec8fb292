"""Build the Provider API's ASGI app (FastAPI: OpenAPI 3 and the docs page come with it).

FastAPI was chosen over bare Starlette + a schema generator because the OpenAPI description is
derived from the same signatures that parse the requests, so the document cannot drift from the
routes; it runs on Starlette, which the sandbox already uses. ``fastapi-offline`` serves the
Swagger UI page with its scripts and styles from the package (FastAPI's default page loads them
from a CDN and is blank offline); its Swagger UI 5 reads OpenAPI 3.1, which FastAPI writes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kraken_cli.errors import KrxError, RateLimitError
from kraken_cli.serve import auth
from kraken_cli.serve.problems import error_body, problem_body, retry_after_header, status_for
from kraken_cli.serve.state import ServeState

VERSION = "1"
#: Swagger UI's files, served by krx (under the token-free /docs prefix).
DOCS_STATIC = "/docs/static"


def create_app(state: ServeState) -> FastAPI:
    """Return the app: routes, token check, error mapping, offline docs."""
    from fastapi_offline import FastAPIOffline

    from kraken_cli.serve import routes_market, routes_ops

    app = FastAPIOffline(
        docs_url="/docs",
        redoc_url=None,
        static_url=DOCS_STATIC,
        swagger_ui_parameters={"persistAuthorization": True},
        title="krx Provider API (Kraken)",
        version=VERSION,
        description="The platform's Provider API for Kraken, served by `krx serve`. Send "
        "`Authorization: Bearer <token>` (or `x-api-token`) on every /api route but health.",
    )
    app.state.krx = state
    app.include_router(routes_ops.router)
    app.include_router(routes_market.router)
    _install_error_handlers(app)
    _install_token_check(app, state)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KrxError)
    async def krx_error(_: Request, exc: KrxError) -> Response:
        headers = retry_after_header(exc) if isinstance(exc, RateLimitError) else None
        return JSONResponse(error_body(exc), status_code=status_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e.get('loc', ())[1:])}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        body = problem_body("usage", f"bad parameter: {problems}", "see /docs for the forms")
        return JSONResponse(body, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        kind = "not_found" if exc.status_code == 404 else "http"
        return JSONResponse(problem_body(kind, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> Response:
        # A bug: log the class only (never the message: it may hold request data).
        sys.stderr.write(f"krx serve: internal error {type(exc).__name__}\n")
        body = problem_body("internal", "internal error", "see the server's log")
        return JSONResponse(body, status_code=500)


def _install_token_check(app: FastAPI, state: ServeState) -> None:
    @app.middleware("http")
    async def token_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        began = time.perf_counter()
        path = request.url.path
        if state.token is not None and auth.needs_token(request.method, path):
            headers = {k.lower(): v for k, v in request.headers.items()}
            if not auth.token_matches(state.token, auth.presented_token(headers)):
                body = problem_body(
                    "unauthorized",
                    "missing or wrong token",
                    "send Authorization: Bearer <PROVIDER_API_TOKEN>",
                )
                response: Response = JSONResponse(body, status_code=401)
                _log(state, request, response.status_code, began)
                return response
        response = await call_next(request)
        _log(state, request, response.status_code, began)
        return response

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        began = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        state.metrics.observe(
            request.method, template, response.status_code, time.perf_counter() - began
        )
        return response


def _log(state: ServeState, request: Request, status: int, began: float) -> None:
    """Write one structured access-log line (no query string: it may carry a token)."""
    if state.access_log is None:
        return
    line = {
        "ts": time.time(),
        "method": request.method,
        "path": request.url.path,
        "status": status,
        "ms": round((time.perf_counter() - began) * 1000, 2),
    }
    state.access_log(json.dumps(line))
