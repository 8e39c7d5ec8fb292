"""Build the Provider API's ASGI app (FastAPI: OpenAPI 3 and the docs page come with it).

FastAPI was chosen over bare Starlette + a schema generator because the OpenAPI description is
derived from the same signatures that parse the requests, so the document cannot drift from the
routes; it runs on Starlette, which the sandbox already uses. ``fastapi-offline`` serves the
Swagger UI page with its scripts and styles from the package (FastAPI's default page loads them
from a CDN and is blank offline); its Swagger UI 5 reads OpenAPI 3.1, which FastAPI writes.
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kraken_cli.errors import KrxError, RateLimitError
from kraken_cli.serve import auth
from kraken_cli.serve.gate import Gate
from kraken_cli.serve.problems import error_body, problem_body, retry_after_header, status_for
from kraken_cli.serve.state import ServeState

VERSION = "1"
#: Swagger UI's files, served by krx (under the token-free /docs prefix).
DOCS_STATIC = "/docs/static"


def create_app(state: ServeState) -> Gate:
    """Return the app: the gate (token, cached answers, metrics, log) in front of the routes.

    The gate is outermost, so a cached answer or a 401 costs none of the framework's layers.
    """
    from fastapi_offline import FastAPIOffline

    from kraken_cli.serve import routes_account, routes_market, routes_ops, routes_stream

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
    app.openapi = lambda: _document_token(app)  # type: ignore[method-assign]
    app.include_router(routes_ops.router)
    app.include_router(routes_market.router)
    app.include_router(routes_stream.router)
    app.include_router(routes_account.router)
    _install_error_handlers(app)
    return Gate(app, state)


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


def _document_token(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI document with the token scheme on every route that needs it."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {"token": auth.SECURITY_SCHEME}
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                operation["security"] = [{"token": []}] if auth.needs_token("GET", path) else []
        app.openapi_schema = schema
    return app.openapi_schema
