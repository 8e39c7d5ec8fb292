"""Operational routes: liveness and readiness (no token needed)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from kraken_cli.models.times import iso_utc
from kraken_cli.serve.metrics import CONTENT_TYPE
from kraken_cli.serve.schemas import LIVE_RESPONSES, METRICS_RESPONSES, READY_RESPONSES
from kraken_cli.serve.state import state_of

router = APIRouter(prefix="/api")


@router.get("/health/live", responses=LIVE_RESPONSES)
def live(request: Request) -> JSONResponse:
    """The process answers."""
    state = state_of(request)
    return JSONResponse(
        {
            "status": "ok",
            "timestamp": iso_utc(datetime.now(UTC)),
            "uptimeSec": round(time.monotonic() - state.started, 3),
        }
    )


@router.get("/health/ready", responses=READY_RESPONSES)
def ready(request: Request) -> JSONResponse:
    """Ready to answer: the services are built (stream subscriptions join this next)."""
    checks = {"services": True}
    is_ready = all(checks.values())
    body = {
        "ready": is_ready,
        "status": "ready" if is_ready else "not_ready",
        "degraded": False,
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if is_ready else 503)


@router.get("/metrics", responses=METRICS_RESPONSES)
def metrics(request: Request) -> Response:
    """Prometheus text: requests, latencies, shared single flights."""
    state = state_of(request)
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE)
