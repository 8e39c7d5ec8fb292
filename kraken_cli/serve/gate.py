"""The one ASGI middleware in front of every route: token check, cached answers, metrics, log.

Pure ASGI (not Starlette's BaseHTTPMiddleware, which costs a task and a stream per request):
it reads the headers from the scope, answers 401 itself, answers a GET whose URL has a live
cached answer (serve/cache.py) without running the framework, and watches the response start
message for the status.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kraken_cli.serve import auth
from kraken_cli.serve.cache import url_key
from kraken_cli.serve.problems import problem_body
from kraken_cli.serve.state import ServeState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_json_text = json.JSONEncoder(ensure_ascii=True).encode
UNAUTHORIZED = json.dumps(
    problem_body(
        "unauthorized", "missing or wrong token", "send Authorization: Bearer <PROVIDER_API_TOKEN>"
    )
).encode()


class Gate:
    """Check the token, count and log every HTTP request; pass everything else through."""

    def __init__(self, app: ASGIApp, state: ServeState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        route = None
        try:
            if not self._allowed(scope):
                await _answer(watch, 401, UNAUTHORIZED)
                return
            cached = None
            if scope["method"] == "GET":
                cached = self.state.answers.get(url_key(scope["path"], scope["query_string"]))
            if cached is not None:
                route = cached.route
                await _answer(watch, 200, cached.body)
            else:
                await self.app(scope, receive, watch)
        finally:
            self._record(scope, route, status, time.perf_counter() - began)

    def _allowed(self, scope: Scope) -> bool:
        token = self.state.token
        if token is None or not auth.needs_token(scope["method"], scope["path"]):
            return True
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in (b"authorization", b"x-api-token")
        }
        return auth.token_matches(token, auth.presented_token(headers))

    def _record(self, scope: Scope, route: str | None, status: int, seconds: float) -> None:
        template = route or getattr(scope.get("route"), "path", None) or "unmatched"
        self.state.metrics.observe(scope["method"], template, status, seconds)
        if self.state.access_log is not None:
            # the path only: a query string may carry anything, a token included
            self.state.access_log(
                f'{{"ts":{time.time():.3f},"method":{_json_text(scope["method"])},'
                f'"path":{_json_text(scope["path"])},"status":{status},'
                f'"ms":{seconds * 1000:.2f}}}'
            )


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
