"""Futures account records: balances, margin summary, positions, open orders, fills.

Read-only calls to the private v3 endpoints (retried: they are idempotent). Amounts are exact
wire text; times ISO-8601 UTC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.models.futures import common_code, is_futures_symbol, iso_wire, num

#: Futures order types -> the names krx shows (spot-style where one exists).
ORDER_TYPES = {
    "lmt": "limit",
    "mkt": "market",
    "stp": "stop",
    "post": "post",
    "ioc": "ioc",
    "take_profit": "take-profit",
    "trailing_stop": "trailing-stop",
}
#: Open-order states -> the SPEC order status.
ORDER_STATUS = {"untouched": "open", "partiallyFilled": "open"}

_FLEX_FIELDS = (
    ("portfolio_value", "portfolioValue"),
    ("balance_value", "balanceValue"),
    ("collateral_value", "collateralValue"),
    ("margin_equity", "marginEquity"),
    ("available_margin", "availableMargin"),
    ("initial_margin", "initialMargin"),
    ("initial_margin_with_orders", "initialMarginWithOrders"),
    ("maintenance_margin", "maintenanceMargin"),
    ("pnl", "pnl"),
    ("unrealized_funding", "unrealizedFunding"),
    ("total_unrealized", "totalUnrealized"),
)


def balances(client: FuturesRest) -> list[dict[str, Any]]:
    """Return balance records (``asset, balance, hold, available`` + ``account``) per account."""
    out: list[dict[str, Any]] = []
    for name, acct in sorted(client.accounts().items()):
        kind = acct.get("type")
        if kind == "multiCollateralMarginAccount":
            for code, cur in sorted((acct.get("currencies") or {}).items()):
                qty, avail = num(cur.get("quantity")), num(cur.get("available"))
                out.append(_balance(name, code, qty, avail, cur.get("value")))
            continue
        for code, amount in sorted((acct.get("balances") or {}).items()):
            if is_futures_symbol(code):
                continue  # marginAccount balances also list contract positions
            amount_s = num(amount)
            out.append(_balance(name, code, amount_s, None, None))
    return out


def _balance(
    account: str, code: str, balance: str | None, available: str | None, value: Any
) -> dict[str, Any]:
    hold = None
    if balance is not None and available is not None:
        hold = str(Decimal(balance) - Decimal(available))
    return {
        "asset": common_code(code),
        "balance": balance,
        "hold": hold,
        "available": available if available is not None else balance,
        "account": account,
        "value_usd": num(value),
    }


def margin_summary(client: FuturesRest) -> list[dict[str, Any]]:
    """Return one margin row per margin account (flex and single-collateral)."""
    out: list[dict[str, Any]] = []
    for name, acct in sorted(client.accounts().items()):
        kind = acct.get("type")
        if kind == "multiCollateralMarginAccount":
            row: dict[str, Any] = {"account": name, "type": kind, "currency": "USD"}
            row |= {key: num(acct.get(wire)) for key, wire in _FLEX_FIELDS}
            out.append(row)
        elif kind == "marginAccount":
            aux, req = acct.get("auxiliary") or {}, acct.get("marginRequirements") or {}
            out.append(
                {
                    "account": name,
                    "type": kind,
                    "currency": common_code(str(acct.get("currency", ""))),
                    "portfolio_value": num(aux.get("pv")),
                    "available_margin": num(aux.get("af")),
                    "pnl": num(aux.get("pnl")),
                    "initial_margin": num(req.get("im")),
                    "maintenance_margin": num(req.get("mm")),
                    "liquidation_threshold": num(req.get("lt")),
                    "termination_threshold": num(req.get("tt")),
                }
            )
    return out


def positions(client: FuturesRest) -> list[dict[str, Any]]:
    """Return open position records."""
    return [position_record(p) for p in client.openpositions()]


def position_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one ``openPositions[]`` entry."""
    return {
        "symbol": str(raw.get("symbol", "")).upper(),
        "side": raw.get("side"),
        "size": num(raw.get("size")),
        "price": num(raw.get("price")),
        "opened": iso_wire(raw.get("fillTime")),
        "unrealized_funding": num(raw.get("unrealizedFunding")),
        "pnl_currency": raw.get("pnlCurrency"),
        "max_fixed_leverage": num(raw.get("maxFixedLeverage")),
    }


def open_orders(client: FuturesRest, cl_ord_id: str | None = None) -> list[dict[str, Any]]:
    """Return SPEC order records for the open orders (only ``cl_ord_id``'s, when given)."""
    rows = [order_record(o) for o in client.openorders()]
    return [o for o in rows if cl_ord_id in (None, o["cl_ord_id"])]


def order_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Map an ``openOrders[]`` entry (or an orderEvents ``order``) to the SPEC order record."""
    unfilled = raw.get("unfilledSize")
    filled = raw.get("filledSize", raw.get("filled"))
    volume = raw.get("quantity")
    if volume is None and unfilled is not None:
        volume = Decimal(str(unfilled)) + Decimal(str(filled or 0))
    wire_type = str(raw.get("orderType") or raw.get("type") or "")
    status = str(raw.get("status") or "open")
    return {
        "order_id": raw.get("order_id") or raw.get("orderId"),
        "cl_ord_id": raw.get("cliOrdId"),
        "symbol": str(raw.get("symbol", "")).upper(),
        "side": raw.get("side"),
        "type": ORDER_TYPES.get(wire_type, wire_type),
        "price": num(raw.get("limitPrice")),
        "volume": num(volume),
        "filled": num(filled),
        "status": ORDER_STATUS.get(status, status),
        "opened": iso_wire(raw.get("receivedTime") or raw.get("timestamp")),
        "closed": None,
        "stop_price": num(raw.get("stopPrice")),
        "reduce_only": raw.get("reduceOnly"),
        "last_update": iso_wire(raw.get("lastUpdateTime") or raw.get("lastUpdateTimestamp")),
    }


def fills(
    client: FuturesRest, *, before: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Return fill records (the futures ``trades`` of ``krx account trades``), newest first."""
    return [fill_record(f) for f in client.fills(before)][:limit]


def fill_record(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one ``fills[]`` entry."""
    return {
        "trade_id": raw.get("fill_id"),
        "order_id": raw.get("order_id"),
        "cl_ord_id": raw.get("cliOrdId"),
        "symbol": str(raw.get("symbol", "")).upper(),
        "time": iso_wire(raw.get("fillTime")),
        "side": raw.get("side"),
        "price": num(raw.get("price")),
        "volume": num(raw.get("size")),
        "fill_type": raw.get("fillType"),
    }
