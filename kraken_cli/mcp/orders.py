"""The order calls of ``krx mcp --allow-trading``: add (validated first), amend, cancel.

A tool call can be retried by the agent's host after a timeout, so ``add`` takes a client
order id from the caller and, before sending anything, looks that id up (open orders, then
closed ones / futures fills): a retried call finds its order and places nothing. A generated
id could not tell a retry from a second order, and one derived from the arguments would
refuse a deliberate second identical order; only the caller knows which it means.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from kraken_cli.mcp.calls import Calls, Records, rows
from kraken_cli.models.segment import Market

ALREADY = "an order with this cl_ord_id already exists; nothing was sent"


#: order_add arguments that only one segment has (checked before anything is sent)
SEGMENT_OPTIONS = ("leverage", "post_only", "price2", "trigger_price", "trigger_signal")


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
    price, price2, post_only, reduce_only, leverage), plus the futures trigger fields.
    """
    from kraken_cli.services.trading.orders import check_market_options

    chosen = calls.market(market)
    check_market_options(chosen, **{k: v for k, v in order.items() if k in SEGMENT_OPTIONS})
    if chosen == Market.FUTURES:
        return _futures_add(calls, symbol, cl_ord_id, validate_only, order)
    from kraken_cli.services.account.spot import load_names
    from kraken_cli.services.trading.orders import place_spot
    from kraken_cli.services.trading.spot import OrderRequest, TradingService, check_order

    req = OrderRequest(cl_ord_id=cl_ord_id, validate=True, **order)
    with calls.spot() as svc:
        pair = svc.resolver.resolve(symbol)
    check_order(pair, req)
    names = load_names(calls.settings, calls.debug_log)
    with calls.private() as api:
        existing = TradingService(api, names).find(cl_ord_id)
    if existing is not None:
        return rows([existing.to_record() | {"note": ALREADY}])
    place = partial(place_spot, calls.settings, pair, names=names, debug_log=calls.debug_log)
    checked = place(req)
    if validate_only:
        return rows([checked.to_record()])
    placed = place(replace(req, validate=False))
    return rows([checked.to_record(), placed.to_record()])


def _futures_add(
    calls: Calls, symbol: str, cl_ord_id: str, validate_only: bool, order: dict[str, Any]
) -> Records:
    from kraken_cli.services.trading import futures as ft

    with calls.futures() as fc:
        existing = ft.find_order(fc, cl_ord_id)
        if existing is not None:
            return rows([existing | {"note": ALREADY}])
        place = partial(
            ft.add_order,
            fc,
            symbol,
            order["side"],
            order["volume"],
            order_type=order.get("type", "limit"),
            price=order.get("price"),
            stop_price=order.get("trigger_price"),
            trigger_signal=order.get("trigger_signal"),
            reduce_only=order.get("reduce_only", False),
            cl_ord_id=cl_ord_id,
        )
        checked = place(validate=True)
        if validate_only:
            return rows([checked])
        placed = place()
    return rows([checked, placed])


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
    if calls.market(market) == Market.FUTURES:
        from kraken_cli.services.trading import futures as ft

        with calls.futures() as fc:
            row = ft.edit_order(fc, order_id, size=volume, price=price, stop_price=trigger_price)
        return rows([row])
    from kraken_cli.services.trading.spot import TradingService

    pair = None
    if symbol:
        with calls.spot() as svc:
            pair = svc.resolver.resolve(symbol)
    with calls.private() as api:
        result = TradingService(api).amend(
            order_id,
            volume=volume,
            price=price,
            trigger_price=trigger_price,
            post_only=post_only,
            pair=pair,
        )
    return rows([result])


def cancel(calls: Calls, order_ids: list[str], market: str | None = None) -> Records:
    """Cancel orders by order id or client order id."""
    if calls.market(market) == Market.FUTURES:
        from kraken_cli.services.trading import futures as ft

        with calls.futures() as fc:
            return rows(ft.cancel_orders(fc, order_ids))
    from kraken_cli.services.trading.spot import TradingService

    with calls.private() as api:
        return rows(TradingService(api).cancel(order_ids))


def cancel_all(calls: Calls, market: str | None = None, symbol: str | None = None) -> Records:
    """Cancel every open order of the key (futures: optionally one contract's)."""
    from kraken_cli.services.trading.orders import check_cancel_all

    chosen = calls.market(market)
    check_cancel_all(chosen, symbol)
    if chosen == Market.FUTURES:
        from kraken_cli.services.trading import futures as ft

        with calls.futures() as fc:
            return rows([ft.cancel_all(fc, symbol)])
    from kraken_cli.services.trading.spot import TradingService

    with calls.private() as api:
        return rows([{"cancelled": TradingService(api).cancel_all()}])
