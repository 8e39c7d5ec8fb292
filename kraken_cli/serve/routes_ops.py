"""Operational routes: liveness and readiness (no token needed)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from kraken_cli.models.segment import Market
from kraken_cli.models.times import iso_utc
from kraken_cli.serve import proof
from kraken_cli.serve.metrics import CONTENT_TYPE
from kraken_cli.serve.schemas import (
    LIVE_RESPONSES,
    METRICS_RESPONSES,
    PROOF_RESPONSES,
    READY_RESPONSES,
)
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
    """Ready once every configured subscription has delivered data; degraded when one is stale."""
    state = state_of(request)
    streams = state.live.streams() if state.live is not None else []
    checks = {f"{s['channel']}:{s['symbol']}": s["connected"] for s in streams}
    is_ready = state.live is None or bool(streams)
    degraded = not all(checks.values()) or (state.live is not None and state.live.failures > 0)
    body = {
        "ready": is_ready,
        "status": "ready" if is_ready else "not_ready",
        "degraded": degraded,
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if is_ready else 503)


@router.get("/exchanges/runtime-proof", responses=PROOF_RESPONSES)
def runtime_proof(request: Request) -> JSONResponse:
    """The proof the connector works now: verify's checks, each stream's health, the headroom."""
    state = state_of(request)
    streams = state.live.streams() if state.live is not None else []
    connectors = [
        proof.connector(
            market,
            state.verify.rows(market),
            streams if market is Market.SPOT else [],
            state.sources.key_budget() if market is Market.SPOT else None,
        )
        for market in state.sources.proof_markets()
    ]
    return JSONResponse({"generatedAt": iso_utc(datetime.now(UTC)), "connectors": connectors})


@router.get("/metrics", responses=METRICS_RESPONSES)
def metrics(request: Request) -> Response:
    """Prometheus text: requests, latencies, single flights, the key's limiter, stream health."""
    state = state_of(request)
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE)
