"""Helpers for futures tests: samples, a fake clock, a routed MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from kraken_cli.config.settings import Credentials

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
# Key material from the SDK vector (tests/fixtures/samples/test-vectors.json).
SECRET = "cHl0aG9uLWtyYWtlbi1zZGsgdW5pdC10ZXN0IHNlY3JldCB2YWx1ZQ=="
CREDS = Credentials(key="futures-test-key", secret=SECRET)


def sample_text(name: str) -> str:
    """Return the raw text of a sample (exact JSON numbers preserved)."""
    return (SAMPLES / name).read_text()


def sample(name: str) -> Any:
    return json.loads(sample_text(name))


Handler = Callable[[httpx.Request], httpx.Response]


class Router:
    """Route requests by path to canned replies; record every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler | httpx.Response] = {}
        self.requests: list[httpx.Request] = []

    def add(self, path: str, reply: Handler | httpx.Response | str, status: int = 200) -> None:
        if isinstance(reply, str):
            self.routes[path] = httpx.Response(status, content=reply.encode())
        else:
            self.routes[path] = reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.routes.get(request.url.path)
        if reply is None:
            return httpx.Response(404, text="no route " + request.url.path)
        if isinstance(reply, httpx.Response):
            return httpx.Response(reply.status_code, content=reply.content)
        return reply(request)


def records(rows: Any) -> list[dict[str, Any]]:
    """Return typed records as the JSON data krx prints (exact decimal text, ISO times)."""
    from kraken_cli.output.cells import plain

    return [plain(row.to_record()) for row in rows]


def add_order(client: Any, symbol: str, side: str, size: str, **options: Any) -> dict[str, Any]:
    """Place a futures order through the service; return its printed record (+ ``note``)."""
    from kraken_cli.models.trading import OrderRequest
    from kraken_cli.services.trading import futures as ft

    kind = options.pop("order_type", "limit")
    request = OrderRequest(side, size, kind, symbol=symbol, **options)
    placed = ft.add_order(client, request)
    note = {"note": placed.note} if placed.note else {}
    return placed.record.to_record() | note
