"""Futures orders: add, edit, cancel, cancel-all (the trading use case on Kraken Futures).

Same rules as spot: every order carries a client id (``cliOrdId``); state-changing calls are
never retried blindly; after a timeout the order is looked up by its ``cliOrdId`` in open orders
and fills before anything is reported. ``result:"success"`` only means Kraken assessed the
request: a ``sendStatus.status`` other than ``placed`` is an :class:`OrderError`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.errors import KrxError, NetworkError, OrderError, UsageError
from kraken_cli.models.account import FuturesOrder, Order
from kraken_cli.models.account_futures import parse_fills, parse_order, parse_orders
from kraken_cli.models.futures import FuturesInstrument
from kraken_cli.models.reply import Reply
from kraken_cli.models.segment import Market
from kraken_cli.models.trading import (
    AmendRequest,
    FuturesCancelledAll,
    OrderRequest,
    Placement,
    StatusRow,
    Ticket,
)
from kraken_cli.services.account import Closing
from kraken_cli.services.market.futures import resolve
from kraken_cli.services.trading.rules import (
    check_amend,
    check_id,
    check_request,
    new_cl_ord_id,
    parse_decimal,
)

#: krx order types -> futures ``orderType``.
ORDER_TYPES = {
    "limit": "lmt",
    "market": "mkt",
    "post": "post",
    "ioc": "ioc",
    "stop": "stp",
    "stop-loss": "stp",
    "take-profit": "take_profit",
    "trailing-stop": "trailing_stop",
}
_NEEDS_PRICE = {"lmt", "post", "ioc"}
_NEEDS_STOP = {"stp", "take_profit"}
#: Non-``placed`` statuses worth a hint (PROTOCOL §7.5; list UNCONFIRMED beyond the first).
STATUS_HINTS = {
    "insufficientAvailableFunds": "not enough collateral for this order",
    "invalidSize": "check the size against the contract precision",
    "invalidPrice": "check the price against the tick size",
    "marketSuspended": "the contract is suspended",
    "iocWouldNotExecute": "an ioc order found no liquidity and was cancelled",
    "postWouldExecute": "a post-only order would have crossed the book",
    "wouldCauseLiquidation": "the order would liquidate the position",
    "tooManySmallOrders": "too many small open orders",
    "maxPositionViolation": "the order exceeds the maximum position size",
    "outsidePriceCollar": "the price is too far from the mark price",
    "notFound": "no such open order",
}


#: Shown when an order whose reply was lost turns up by its cliOrdId.
FOUND_NOTE = "confirmed by cliOrdId after a network error"


def check_order(
    inst: FuturesInstrument, size: str, price: str | None, stop_price: str | None
) -> None:
    """Validate size precision and tick size locally (futures has no validate-only call)."""
    if not inst.tradeable:
        raise UsageError(f"{inst.symbol} is not tradeable now")
    qty = parse_decimal(size, "size")
    step = None if inst.precision is None else Decimal(1).scaleb(-inst.precision)
    if step is not None and qty % step != 0:
        raise UsageError(
            f"size {size} is not a multiple of {step} contracts for {inst.symbol}",
            hint="futures sizes are in contracts with contractValueTradePrecision decimals",
        )
    for value, what in ((price, "price"), (stop_price, "stop price")):
        if value is None:
            continue
        amount = parse_decimal(value, what)
        if inst.tick_size and amount % Decimal(inst.tick_size) != 0:
            raise UsageError(f"{what} {value} is not a multiple of the tick {inst.tick_size}")


def order_params(req: OrderRequest) -> dict[str, str]:
    """Return sendorder's fields for a checked request (without symbol and cliOrdId)."""
    wire_type = ORDER_TYPES.get(req.type)
    if wire_type is None:
        raise UsageError(f"unknown futures order type {req.type!r}", hint=", ".join(ORDER_TYPES))
    price, stop_price = req.price, req.trigger_price
    if wire_type in _NEEDS_PRICE and price is None:
        raise UsageError(f"--price is required for a {req.type} order")
    if wire_type in _NEEDS_STOP and stop_price is None and price is None:
        raise UsageError(f"a trigger price is required for a {req.type} order")
    if wire_type in _NEEDS_STOP and stop_price is None:
        stop_price, price = price, None
    params = {"orderType": wire_type, "side": req.side, "size": req.volume}
    if price is not None:
        params["limitPrice"] = price
    if stop_price is not None:
        params["stopPrice"] = stop_price
    if req.trigger_signal:
        params["triggerSignal"] = req.trigger_signal
    if req.reduce_only:
        params["reduceOnly"] = "true"
    return params


def add_order(
    client: FuturesRest, req: OrderRequest, inst: FuturesInstrument | None = None
) -> Placement:
    """Place a futures order once and return its record (``validate``: check only, send none)."""
    req = check_request(req, Market.FUTURES)
    params = order_params(req)
    inst = inst or resolve(client, req.symbol)
    check_order(inst, req.volume, params.get("limitPrice"), params.get("stopPrice"))
    cl_ord_id = req.cl_ord_id or new_cl_ord_id()
    params |= {"symbol": inst.symbol, "cliOrdId": cl_ord_id}
    if req.validate:
        validated = Order(
            None, cl_ord_id, inst.symbol, req.side, req.type, params.get("limitPrice"), req.volume,
            "0", "validated", None, None,
        )  # fmt: skip
        return Placement(validated)
    try:
        status = client.sendorder(params)
    except NetworkError as exc:
        found = find_order(client, cl_ord_id)
        if found is None:
            exc.hint = (
                f"the order (cliOrdId {cl_ord_id}) is not among open orders or fills, so it "
                "was probably not placed; check `krx account orders --market futures` before "
                "sending it again"
            )
            raise
        return Placement(found, FOUND_NOTE)
    return Placement(_placed(status, params))


def _refused(action: str, state: str) -> OrderError:
    return OrderError(
        f"Kraken Futures did not {action}: {state}", hint=STATUS_HINTS.get(state), kraken=[state]
    )


def _placed(status: dict[str, Any], params: dict[str, str]) -> FuturesOrder:
    reply = Reply("sendorder")
    state = reply.text(status.get("status"), "status") or ""
    if state != "placed":
        raise _refused("place the order", state)
    events = reply.entries(status.get("orderEvents") or [], "orderEvents")
    order = next((e["order"] for e in events if isinstance(e.get("order"), dict)), None)
    filled = sum(
        (
            reply.number(e.get("amount", 0), "amount")
            for e in events
            if e.get("type") == "EXECUTION"
        ),
        Decimal(0),
    )
    record = parse_order(order, reply) if order else None
    return FuturesOrder(
        order_id=reply.text(status.get("order_id"), "order_id")
        or (record and record.order_id)
        or None,
        cl_ord_id=params["cliOrdId"],
        symbol=params["symbol"],
        side=params["side"],
        type=record.type if record else None,
        price=record.price if record else None,
        volume=(record and record.volume) or params["size"],
        filled=str(filled) if filled else (record.filled if record else None),
        status="placed",
        opened=(record and record.opened) or reply.text(status.get("receivedTime"), "receivedTime"),
        closed=None,
        stop_price=record.stop_price if record else None,
        reduce_only=record.reduce_only if record else None,
        last_update=record.last_update if record else None,
    )


def find_order(client: FuturesRest, cl_ord_id: str) -> Order | None:
    """Look an order up by ``cliOrdId`` in open orders, then in recent fills."""
    try:
        for order in parse_orders(client.openorders()):
            if order.cl_ord_id == cl_ord_id:
                return order
        for fill in parse_fills(client.fills()):
            if fill.cl_ord_id == cl_ord_id:
                return Order(
                    fill.order_id, cl_ord_id, fill.symbol, fill.side, None, fill.price,
                    fill.volume, fill.volume, "filled", fill.time, fill.time,
                )  # fmt: skip
    except KrxError:
        return None
    return None


def _ident(ident: str) -> dict[str, str]:
    """Address an order by its id (a UUID) or, otherwise, by its cliOrdId."""
    return {"orderId" if _is_uuid(ident) else "cliOrdId": ident}


def edit_order(client: FuturesRest, req: AmendRequest) -> StatusRow:
    """Edit an open order (by order id or, if not a UUID, by cliOrdId); return a status row."""
    check_amend(req)
    params = _ident(req.order_id)
    for wire, value in (
        ("size", req.volume),
        ("limitPrice", req.price),
        ("stopPrice", req.trigger_price),
    ):
        if value is not None:
            params[wire] = value
    return _status_row("edit", req.order_id, client.editorder(params), "edited")


def _status_row(action: str, ident: str, status: dict[str, Any], wanted: str) -> StatusRow:
    reply = Reply(f"{action}order")
    state = reply.text(status.get("status"), "status") or ""
    if state != wanted:
        raise _refused(f"{action} {ident}", state)
    return StatusRow(ident, state, reply.text(status.get("receivedTime"), "receivedTime"))


def cancel_orders(client: FuturesRest, ids: Sequence[str]) -> list[StatusRow]:
    """Cancel orders by order id (UUID) or cliOrdId; one status row per id."""
    ids = [check_id(ident, "order id") for ident in ids]
    rows = []
    for ident in ids:
        if _is_uuid(ident):
            status = client.cancelorder(order_id=ident)
        else:
            status = client.cancelorder(cli_ord_id=ident)
        rows.append(_status_row("cancel", ident, status, "cancelled"))
    return rows


def cancel_all(client: FuturesRest, symbol: str | None = None) -> FuturesCancelledAll:
    """Cancel every open order (of one contract when given); return count and ids."""
    sym = resolve(client, symbol).symbol if symbol else None
    reply = Reply("cancelallorders")
    status = client.cancelallorders(sym)
    cancelled = reply.entries(status.get("cancelledOrders") or [], "cancelledOrders")
    ids = [str(o.get("order_id")) for o in cancelled]
    state = reply.text(status.get("status"), "status")
    return FuturesCancelledAll(sym, state, len(ids), ids)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def order_summary(symbol: str, side: str, size: str, order_type: str, price: str | None) -> str:
    """Return the one-line description the CLI shows before asking for confirmation."""
    at = f" @ {price}" if price else ""
    return f"{side} {size} contracts {symbol} {order_type}{at} on Kraken Futures"


class FuturesTrading(Closing):
    """The trading use case on Kraken Futures over one REST client."""

    market = Market.FUTURES

    def __init__(self, client: FuturesRest) -> None:
        self.client = client

    def close(self) -> None:
        """Close the futures client."""
        self.client.close()

    def prepare(self, req: OrderRequest) -> Ticket:
        """Check the order's inputs, resolve the contract and compose the question to ask."""
        req = check_request(req, Market.FUTURES)
        params = order_params(req)
        inst = resolve(self.client, req.symbol)
        check_order(inst, req.volume, params.get("limitPrice"), params.get("stopPrice"))
        price = req.price or req.trigger_price
        summary = order_summary(inst.symbol, req.side, req.volume, req.type, price)
        return Ticket(req, None if req.validate else f"Place {summary}?", inst)

    def place(self, ticket: Ticket) -> Placement:
        """Send the order once; after a lost reply, find it by cliOrdId."""
        return add_order(self.client, ticket.request, ticket.target)

    def find(self, cl_ord_id: str) -> Order | None:
        """Return the order with this cliOrdId (open, or among recent fills), or None."""
        return find_order(self.client, cl_ord_id)

    def amend(self, req: AmendRequest) -> StatusRow:
        """Edit an open futures order (``req.volume`` is the new size)."""
        return edit_order(self.client, replace(req, symbol=None))

    def cancel(self, ids: Sequence[str]) -> list[StatusRow]:
        """Cancel orders by order id or cliOrdId."""
        return cancel_orders(self.client, ids)

    def cancel_all_question(self, symbol: str | None = None) -> str:
        """Return the confirmation question."""
        return f"Cancel ALL open futures orders{' of ' + symbol if symbol else ''}?"

    def cancel_all(self, symbol: str | None = None) -> FuturesCancelledAll:
        """Cancel every open order (of one contract when given)."""
        return cancel_all(self.client, symbol)
