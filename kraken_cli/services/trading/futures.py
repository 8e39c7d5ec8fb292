"""Futures orders (add, edit, cancel, cancel-all) and the ``krx verify`` futures checks.

Same rules as spot: every order carries a client id (``cliOrdId``); state-changing calls are
never retried blindly; after a timeout the order is looked up by its ``cliOrdId`` in open orders
and fills before anything is reported. ``result:"success"`` only means Kraken assessed the
request: a ``sendStatus.status`` other than ``placed`` is an :class:`OrderError`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Settings
from kraken_cli.errors import (
    AuthError,
    KrxError,
    NetworkError,
    OrderError,
    UsageError,
)
from kraken_cli.models.futures import FuturesInstrument, ms_from_iso
from kraken_cli.services.account.futures import fill_record, order_record
from kraken_cli.services.market.futures import futures_client, resolve

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


def new_cl_ord_id() -> str:
    """Return a fresh client order id (a UUID, as futures accepts)."""
    return str(uuid.uuid4())


def _dec(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise UsageError(f"bad {what} {text!r}", hint="use a decimal number") from exc
    if not value.is_finite() or value <= 0:
        raise UsageError(f"{what} must be positive, got {text!r}")
    return value


def check_order(
    inst: FuturesInstrument, size: str, price: str | None, stop_price: str | None
) -> None:
    """Validate size precision and tick size locally (futures has no validate-only call)."""
    if not inst.tradeable:
        raise UsageError(f"{inst.symbol} is not tradeable now")
    qty = _dec(size, "size")
    step = None if inst.precision is None else Decimal(1).scaleb(-inst.precision)
    if step is not None and qty % step != 0:
        raise UsageError(
            f"size {size} is not a multiple of {step} contracts for {inst.symbol}",
            hint="futures sizes are in contracts with contractValueTradePrecision decimals",
        )
    for value, what in ((price, "price"), (stop_price, "stop price")):
        if value is None:
            continue
        amount = _dec(value, what)
        if inst.tick_size and amount % Decimal(inst.tick_size) != 0:
            raise UsageError(f"{what} {value} is not a multiple of the tick {inst.tick_size}")


def add_order(
    client: FuturesRest,
    symbol: str,
    side: str,
    size: str,
    *,
    order_type: str = "limit",
    price: str | None = None,
    stop_price: str | None = None,
    trigger_signal: str | None = None,
    reduce_only: bool = False,
    cl_ord_id: str | None = None,
    validate: bool = False,
) -> dict[str, Any]:
    """Place a futures order and return its order record (``validate``: check only, send none)."""
    if side not in ("buy", "sell"):
        raise UsageError(f"side must be buy or sell, got {side!r}")
    wire_type = ORDER_TYPES.get(order_type)
    if wire_type is None:
        raise UsageError(f"unknown futures order type {order_type!r}", hint=", ".join(ORDER_TYPES))
    if wire_type in _NEEDS_PRICE and price is None:
        raise UsageError(f"--price is required for a {order_type} order")
    if wire_type in _NEEDS_STOP and stop_price is None and price is None:
        raise UsageError(f"a trigger price is required for a {order_type} order")
    if wire_type in _NEEDS_STOP and stop_price is None:
        stop_price, price = price, None
    inst = resolve(client, symbol)
    check_order(inst, size, price, stop_price)
    cl_ord_id = cl_ord_id or new_cl_ord_id()
    params: dict[str, str] = {
        "orderType": wire_type,
        "symbol": inst.symbol,
        "side": side,
        "size": size,
        "cliOrdId": cl_ord_id,
    }
    if price is not None:
        params["limitPrice"] = price
    if stop_price is not None:
        params["stopPrice"] = stop_price
    if trigger_signal:
        params["triggerSignal"] = trigger_signal
    if reduce_only:
        params["reduceOnly"] = "true"
    if validate:
        return {
            "order_id": None,
            "cl_ord_id": cl_ord_id,
            "symbol": inst.symbol,
            "side": side,
            "type": order_type,
            "price": price,
            "volume": size,
            "filled": "0",
            "status": "validated",
            "opened": None,
            "closed": None,
        }
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
        return found | {"note": "confirmed by cliOrdId after a network error"}
    return _placed(status, params)


def _placed(status: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    state = str(status.get("status", ""))
    if state != "placed":
        raise OrderError(
            f"Kraken Futures did not place the order: {state}",
            hint=STATUS_HINTS.get(state),
            kraken=[state],
        )
    events = status.get("orderEvents") or []
    order = next((e["order"] for e in events if isinstance(e.get("order"), dict)), None)
    filled = sum(
        (Decimal(str(e.get("amount", 0))) for e in events if e.get("type") == "EXECUTION"),
        Decimal(0),
    )
    record = order_record(order) if order else {}
    record.update(
        order_id=status.get("order_id") or record.get("order_id"),
        cl_ord_id=params["cliOrdId"],
        symbol=params["symbol"],
        side=params["side"],
        volume=record.get("volume") or params["size"],
        status="placed",
        opened=record.get("opened") or status.get("receivedTime"),
    )
    if filled:
        record["filled"] = str(filled)
    return record


def find_order(client: FuturesRest, cl_ord_id: str) -> dict[str, Any] | None:
    """Look an order up by ``cliOrdId`` in open orders, then in recent fills."""
    try:
        for raw in client.openorders():
            if raw.get("cliOrdId") == cl_ord_id:
                return order_record(raw)
        for raw in client.fills():
            if raw.get("cliOrdId") == cl_ord_id:
                fill = fill_record(raw)
                return {
                    "order_id": fill["order_id"],
                    "cl_ord_id": cl_ord_id,
                    "symbol": fill["symbol"],
                    "side": fill["side"],
                    "type": None,
                    "price": fill["price"],
                    "volume": fill["volume"],
                    "filled": fill["volume"],
                    "status": "filled",
                    "opened": fill["time"],
                    "closed": fill["time"],
                }
    except KrxError:
        return None
    return None


def edit_order(
    client: FuturesRest,
    order_id: str,
    *,
    size: str | None = None,
    price: str | None = None,
    stop_price: str | None = None,
) -> dict[str, Any]:
    """Edit an open order (by order id or, if not a UUID, by cliOrdId); return a status row."""
    key = "orderId" if _is_uuid(order_id) else "cliOrdId"
    params = {key: order_id}
    for wire, value in (("size", size), ("limitPrice", price), ("stopPrice", stop_price)):
        if value is not None:
            _dec(value, wire)
            params[wire] = value
    if len(params) == 1:
        raise UsageError("nothing to change", hint="give --volume, --price or --stop-price")
    status = client.editorder(params)
    state = str(status.get("status", ""))
    if state != "edited":
        raise OrderError(
            f"Kraken Futures did not edit {order_id}: {state}",
            hint=STATUS_HINTS.get(state),
            kraken=[state],
        )
    return {"order_id": order_id, "status": state, "time": status.get("receivedTime")}


def cancel_orders(client: FuturesRest, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Cancel orders by order id (UUID) or cliOrdId; one status row per id."""
    rows = []
    for ident in ids:
        if _is_uuid(ident):
            status = client.cancelorder(order_id=ident)
        else:
            status = client.cancelorder(cli_ord_id=ident)
        state = str(status.get("status", ""))
        if state != "cancelled":
            raise OrderError(
                f"Kraken Futures did not cancel {ident}: {state}",
                hint=STATUS_HINTS.get(state),
                kraken=[state],
            )
        rows.append({"order_id": ident, "status": state, "time": status.get("receivedTime")})
    return rows


def cancel_all(client: FuturesRest, symbol: str | None = None) -> dict[str, Any]:
    """Cancel every open order (of one contract when given); return count and ids."""
    sym = resolve(client, symbol).symbol if symbol else None
    status = client.cancelallorders(sym)
    cancelled = [str(o.get("order_id")) for o in status.get("cancelledOrders") or []]
    return {
        "symbol": sym,
        "status": status.get("status"),
        "count": len(cancelled),
        "order_ids": cancelled,
    }


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def verify_futures(
    settings: Settings,
    *,
    client: FuturesRest | None = None,
    wall: Callable[[], float] = time.time,
) -> list[dict[str, Any]]:
    """Return ``krx verify`` rows for futures: reachability, skew, key, permissions."""
    rows: list[dict[str, Any]] = []
    if settings.futures is None:
        return [
            _row(
                "futures key",
                False,
                "no futures key: set KRAKEN_FUTURES_API_KEY / KRAKEN_FUTURES_API_SECRET",
            )
        ]
    own = client is None
    fc = client or futures_client(settings)
    try:
        try:
            fc.public("instruments")
        except KrxError as exc:
            return [_row("futures connectivity", False, exc.message)]
        rows.append(_row("futures connectivity", True, fc.base_url))
        rows.append(_skew_row(fc, settings.krx.max_clock_skew_s))
        try:
            accounts = fc.accounts()
        except AuthError as exc:
            rows.append(_row("futures key accepted", False, f"{exc.message} ({exc.hint})"))
            return rows
        rows.append(_row("futures key accepted", True, f"{len(accounts)} accounts"))
        for check, probe in (
            ("futures permission: query orders", fc.openorders),
            ("futures permission: query positions", fc.openpositions),
        ):
            try:
                probe()
                rows.append(_row(check, True, "granted"))
            except KrxError as exc:
                rows.append(_row(check, False, exc.message))
        rows.append(_trading_probe(fc))
    finally:
        if own:
            fc.close()
    return rows


def _trading_probe(fc: FuturesRest) -> dict[str, Any]:
    # Futures has no validate-only order call; cancelling an id that cannot exist proves the
    # key may trade without touching anything (Kraken answers status "notFound").
    try:
        status = fc.cancelorder(cli_ord_id="krx-verify-" + uuid.uuid4().hex[:12])
    except KrxError as exc:
        return _row("futures permission: trade", False, exc.message)
    return _row("futures permission: trade", True, f"cancel probe: {status.get('status')}")


def _skew_row(fc: FuturesRest, limit: float) -> dict[str, Any]:
    if fc.last_server_time is None or fc.last_span is None:
        return _row("futures clock skew", False, "no serverTime in the reply")
    sent, received = fc.last_span
    server = ms_from_iso(fc.last_server_time) / 1000
    skew = (sent + received) / 2 - server
    detail = f"{skew:+.3f} s (round trip {received - sent:.3f} s)"
    if abs(skew) > limit:
        return _row("futures clock skew", False, detail + f"; over the {limit:g} s limit")
    if abs(skew) > 1:
        detail += "; warning: over 1 s"
    return _row("futures clock skew", True, detail)


def _row(check: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"check": check, "ok": ok, "detail": detail}


def order_summary(symbol: str, side: str, size: str, order_type: str, price: str | None) -> str:
    """Return the one-line description the CLI shows before asking for confirmation."""
    at = f" @ {price}" if price else ""
    return f"{side} {size} contracts {symbol} {order_type}{at} on Kraken Futures"
