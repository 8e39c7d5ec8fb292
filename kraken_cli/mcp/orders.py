"""The order calls of ``krx mcp --allow-trading``: add (validated first), amend, cancel.

A tool call can be retried by the agent's host after a timeout, so ``add`` takes a client
order id from the caller and, before sending anything, looks that id up (open orders, then
closed ones / futures fills): a retried call finds its order and places nothing. A generated
id could not tell a retry from a second order, and one derived from the arguments would
refuse a deliberate second identical order; only the caller knows which it means.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kraken_cli.mcp.calls import Calls, Records, rows
from kraken_cli.models.trading import AmendRequest, OrderRequest, Placement

ALREADY = "an order with this cl_ord_id already exists; nothing was sent"


def add(
    calls: Calls,
    symbol: str,
    cl_ord_id: str,
    market: str | None = None,
    validate_only: bool = False,
    **order: Any,
) -> Records:
    """Validate with Kraken, then place once; return the validation and the placement.

    ``order`` holds the order's own fields under OrderRequest's names (side, volume, type,
    price, price2, post_only, reduce_only, leverage, trigger_price, trigger_signal).
    """
    req = OrderRequest(symbol=symbol, cl_ord_id=cl_ord_id, validate=True, **order)
    with calls.trading(market) as trading:
        checked = trading.prepare(req)  # every input and segment rule, before any order call
        existing = trading.find(cl_ord_id)
        if existing is not None:
            return rows([existing.to_record() | {"note": ALREADY}])
        validated = trading.place(checked)
        if validate_only:
            return rows([record(validated)])
        placed = trading.place(trading.prepare(replace(req, validate=False)))
    return rows([record(validated), record(placed)])


def record(placement: Placement) -> dict[str, Any]:
    """Return a placement's record, with its note (a reply lost but found) when there is one."""
    row = placement.record.to_record()
    return row | {"note": placement.note} if placement.note else row


def amend(
    calls: Calls,
    order_id: str,
    volume: str | None = None,
    price: str | None = None,
    trigger_price: str | None = None,
    post_only: bool = False,
    symbol: str | None = None,
    market: str | None = None,
) -> Records:
    """Amend an order in place, keeping its id."""
    req = AmendRequest(order_id, volume, price, trigger_price, post_only, symbol)
    with calls.trading(market) as trading:
        return rows([trading.amend(req).to_record()])


def cancel(calls: Calls, order_ids: list[str], market: str | None = None) -> Records:
    """Cancel orders by order id or client order id."""
    with calls.trading(market) as trading:
        return rows(r.to_record() for r in trading.cancel(order_ids))


def cancel_all(calls: Calls, market: str | None = None, symbol: str | None = None) -> Records:
    """Cancel every open order of the key (futures: optionally one contract's)."""
    with calls.trading(market) as trading:
        trading.cancel_all_question(symbol)  # refuses options the segment lacks, sends nothing
        return rows([trading.cancel_all(symbol).to_record()])
