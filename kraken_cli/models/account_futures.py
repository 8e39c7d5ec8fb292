"""Parse Kraken Futures' private v3 replies into the account records, strictly.

Amounts stay the exact wire text (checked to be finite numbers); times ISO-8601 UTC. A value of
the wrong type raises ``ProtocolError`` naming the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kraken_cli.models.account import FuturesBalance, FuturesFill, FuturesOrder
from kraken_cli.models.futures import common_code, is_futures_symbol, iso_wire
from kraken_cli.models.margin import FuturesMargin, FuturesPosition
from kraken_cli.models.reply import Reply

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
#: Single-collateral account figures: (name, section, wire key).
_LEGACY_FIELDS = (
    ("portfolio_value", "auxiliary", "pv"),
    ("available_margin", "auxiliary", "af"),
    ("pnl", "auxiliary", "pnl"),
    ("initial_margin", "marginRequirements", "im"),
    ("maintenance_margin", "marginRequirements", "mm"),
    ("liquidation_threshold", "marginRequirements", "lt"),
    ("termination_threshold", "marginRequirements", "tt"),
)
FLEX, LEGACY = "multiCollateralMarginAccount", "marginAccount"
ACCOUNTS = Reply("accounts")
OPEN_ORDERS = Reply("openorders")


def _time(reply: Reply, value: Any, what: str) -> str | None:
    text = reply.text(value, what)
    try:
        return iso_wire(text)
    except ValueError:
        raise reply.fail(f"{what} {text!r} is not an ISO time") from None


def _sorted_accounts(accounts: Any) -> list[tuple[str, Mapping[str, Any]]]:
    table = ACCOUNTS.table(accounts, "accounts")
    return [(name, ACCOUNTS.table(acct, f"account {name}")) for name, acct in sorted(table.items())]


def parse_balances(accounts: Any) -> list[FuturesBalance]:
    """Return each account's currencies (flex: quantity and available; else the cash)."""
    out: list[FuturesBalance] = []
    for name, acct in _sorted_accounts(accounts):
        if acct.get("type") == FLEX:
            currencies = ACCOUNTS.table(acct.get("currencies") or {}, f"{name} currencies")
            for code, raw in sorted(currencies.items()):
                cur = ACCOUNTS.table(raw, f"{name} {code}")
                qty = ACCOUNTS.wire(cur.get("quantity"), f"{code} quantity")
                avail = ACCOUNTS.wire(cur.get("available"), f"{code} available")
                value = ACCOUNTS.wire(cur.get("value"), f"{code} value")
                out.append(_balance(name, code, qty, avail, value))
            continue
        balances = ACCOUNTS.table(acct.get("balances") or {}, f"{name} balances")
        for code, amount in sorted(balances.items()):
            if is_futures_symbol(code):
                continue  # marginAccount balances also list contract positions
            out.append(_balance(name, code, ACCOUNTS.wire(amount, code), None, None))
    return out


def _balance(
    account: str, code: str, balance: str | None, available: str | None, value: str | None
) -> FuturesBalance:
    hold = None
    if balance is not None and available is not None:
        hold = str(Decimal(balance) - Decimal(available))
    return FuturesBalance(
        asset=common_code(code),
        balance=balance,
        hold=hold,
        available=available if available is not None else balance,
        account=account,
        value_usd=value,
    )


def parse_margin(accounts: Any) -> list[FuturesMargin]:
    """Return one margin row per margin account (flex and single-collateral)."""
    out: list[FuturesMargin] = []
    for name, acct in _sorted_accounts(accounts):
        kind = acct.get("type")
        if kind == FLEX:
            figures = tuple(
                (key, ACCOUNTS.wire(acct.get(wire), wire)) for key, wire in _FLEX_FIELDS
            )
            out.append(FuturesMargin(name, FLEX, "USD", figures))
        elif kind == LEGACY:
            sections = {
                s: ACCOUNTS.table(acct.get(s) or {}, s) for s in ("auxiliary", "marginRequirements")
            }
            figures = tuple(
                (key, ACCOUNTS.wire(sections[section].get(wire), wire))
                for key, section, wire in _LEGACY_FIELDS
            )
            currency = common_code(ACCOUNTS.text(acct.get("currency"), "currency") or "")
            out.append(FuturesMargin(name, LEGACY, currency, figures))
    return out


def parse_positions(rows: Any) -> list[FuturesPosition]:
    """Map ``openPositions[]``."""
    reply = Reply("openpositions")
    return [
        FuturesPosition(
            symbol=(reply.text(raw.get("symbol"), "symbol") or "").upper(),
            side=reply.text(raw.get("side"), "side"),
            size=reply.wire(raw.get("size"), "size"),
            price=reply.wire(raw.get("price"), "price"),
            opened=_time(reply, raw.get("fillTime"), "fillTime"),
            unrealized_funding=reply.wire(raw.get("unrealizedFunding"), "unrealizedFunding"),
            pnl_currency=reply.text(raw.get("pnlCurrency"), "pnlCurrency"),
            max_fixed_leverage=reply.wire(raw.get("maxFixedLeverage"), "maxFixedLeverage"),
        )
        for raw in reply.entries(rows, "openPositions")
    ]


def parse_order(raw: Any, reply: Reply = OPEN_ORDERS) -> FuturesOrder:
    """Map an ``openOrders[]`` entry (or an orderEvents ``order``) to the order record."""
    raw = reply.table(raw, "order")
    unfilled = reply.amount(raw.get("unfilledSize"), "unfilledSize")
    filled = reply.wire(raw.get("filledSize", raw.get("filled")), "filledSize")
    volume = reply.wire(raw.get("quantity"), "quantity")
    if volume is None and unfilled is not None:
        volume = str(unfilled + Decimal(filled or 0))
    wire_type = reply.text(raw.get("orderType") or raw.get("type"), "orderType") or ""
    status = reply.text(raw.get("status"), "status") or "open"
    return FuturesOrder(
        order_id=reply.text(raw.get("order_id") or raw.get("orderId"), "order_id"),
        cl_ord_id=reply.text(raw.get("cliOrdId"), "cliOrdId"),
        symbol=(reply.text(raw.get("symbol"), "symbol") or "").upper(),
        side=reply.text(raw.get("side"), "side"),
        type=ORDER_TYPES.get(wire_type, wire_type),
        price=reply.wire(raw.get("limitPrice"), "limitPrice"),
        volume=volume,
        filled=filled,
        status=ORDER_STATUS.get(status, status),
        opened=_time(reply, raw.get("receivedTime") or raw.get("timestamp"), "receivedTime"),
        closed=None,
        stop_price=reply.wire(raw.get("stopPrice"), "stopPrice"),
        reduce_only=reply.flag(raw.get("reduceOnly"), "reduceOnly"),
        last_update=_time(
            reply, raw.get("lastUpdateTime") or raw.get("lastUpdateTimestamp"), "lastUpdateTime"
        ),
    )


def parse_orders(rows: Any) -> list[FuturesOrder]:
    """Map ``openOrders[]``."""
    return [parse_order(raw) for raw in OPEN_ORDERS.entries(rows, "openOrders")]


def parse_fills(rows: Any) -> list[FuturesFill]:
    """Map ``fills[]``, newest first as Kraken sends them."""
    reply = Reply("fills")
    return [
        FuturesFill(
            trade_id=reply.text(raw.get("fill_id"), "fill_id"),
            order_id=reply.text(raw.get("order_id"), "order_id"),
            cl_ord_id=reply.text(raw.get("cliOrdId"), "cliOrdId"),
            symbol=(reply.text(raw.get("symbol"), "symbol") or "").upper(),
            time=_time(reply, raw.get("fillTime"), "fillTime"),
            side=reply.text(raw.get("side"), "side"),
            price=reply.wire(raw.get("price"), "price"),
            volume=reply.wire(raw.get("size"), "size"),
            fill_type=reply.text(raw.get("fillType"), "fillType"),
        )
        for raw in reply.entries(rows, "fills")
    ]
