"""The key's account on a segment, in the platform's shapes (``/api/assets``, ``/api/account``).

Both call the same account service as ``krx account``; private calls go through the same
nonce and rate limiter, so HTTP clients cannot push the key past Kraken's budget.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from kraken_cli.models.segment import Market, parse_market
from kraken_cli.serve.routes_market import MarketPath
from kraken_cli.serve.schemas import ACCOUNT_RESPONSES, ASSETS_RESPONSES
from kraken_cli.serve.state import state_of

router = APIRouter(prefix="/api")


def _assets(market: Market, balances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "connectorType": "kraken",
            "marketType": market.value,
            "symbol": b["asset"],
            "walletBalance": b.get("balance"),
            "availableBalance": b.get("available"),
        }
        for b in balances
    ]


@router.get("/assets/kraken/{market}", responses=ASSETS_RESPONSES)
async def assets(request: Request, market: MarketPath) -> JSONResponse:
    """The key's assets (wallet and available balance) and open positions."""
    segment = parse_market(market)
    found = await run_in_threadpool(state_of(request).sources.account, segment)
    return JSONResponse(
        {"assets": _assets(segment, found["balances"]), "positions": found["positions"]}
    )


@router.get("/account/kraken/{market}", responses=ACCOUNT_RESPONSES)
async def account(request: Request, market: MarketPath) -> JSONResponse:
    """The key's account: assets, positions and open orders."""
    segment = parse_market(market)
    found = await run_in_threadpool(state_of(request).sources.account, segment)
    return JSONResponse(
        {
            "connectorType": "kraken",
            "marketType": segment.value,
            "assets": _assets(segment, found["balances"]),
            "positions": found["positions"],
            "orders": found["orders"],
            "isActive": True,
        }
    )
