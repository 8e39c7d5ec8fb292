"""The sandbox futures account: a flex (multi-collateral) account, orders, fills, positions.

Deliberately small: market/ioc orders fill at once at the current price; a limit order that
crosses fills at once (a post-only one is rejected with ``postWouldExecute``); other limit,
stop, take-profit and trailing-stop orders rest until cancelled (they never trigger). Positions
net per contract (linear P&L in USD). ``cancelallordersafter`` arms a dead man's switch that
cancels every open order once its timeout passes without being re-armed (``timeout=0`` disarms).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.models.futures import iso_ms
from kraken_cli.sandbox.futures.market import BY_SYMBOL, FEE_SCHEDULES

COLLATERAL_USD = Decimal(10000)
MAX_LEVERAGE = Decimal(50)
_ORDER_TYPES = ("lmt", "post", "ioc", "mkt", "stp", "take_profit", "trailing_stop")
#: order types that rest until a trigger (never filled on placement)
_TRIGGERED = ("stp", "take_profit", "trailing_stop")
#: the longest dead man's switch Kraken accepts (seconds)
MAX_DEAD_MAN_S = 86_400


class Reject(Exception):
    """An envelope-level error word (``{"result":"error","error":word}``)."""

    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


@dataclass
class Order:
    order_id: str
    cli_ord_id: str | None
    symbol: str
    side: str
    type: str
    size: Decimal
    limit: Decimal | None
    stop: Decimal | None
    reduce_only: bool
    received_ms: int
    updated_ms: int
    #: ``{maxDeviation, unit}`` of a trailing_stop order
    trailing: dict[str, Any] | None = None

    def wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "order_id": self.order_id,
            "cliOrdId": self.cli_ord_id,
            "symbol": self.symbol,
            "side": self.side,
            "orderType": self.type,
            "limitPrice": self.limit,
            "unfilledSize": self.size,
            "receivedTime": iso_ms(self.received_ms),
            "status": "untouched",
            "filledSize": 0,
            "reduceOnly": self.reduce_only,
            "lastUpdateTime": iso_ms(self.updated_ms),
        }
        if self.stop is not None:
            body["stopPrice"] = self.stop
        if self.trailing is not None:
            body["trailingStopOptions"] = self.trailing
        if self.cli_ord_id is None:
            del body["cliOrdId"]
        return body

    def event_order(self, filled: Decimal) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "cliOrdId": self.cli_ord_id,
            "type": self.type,
            "symbol": self.symbol,
            "side": self.side,
            "quantity": self.size,
            "filled": filled,
            "limitPrice": self.limit,
            "reduceOnly": self.reduce_only,
            "timestamp": iso_ms(self.received_ms),
            "lastUpdateTimestamp": iso_ms(self.updated_ms),
        }


def _trailing(p: dict[str, str]) -> dict[str, Any]:
    try:
        deviation = Decimal(p["trailingStopMaxDeviation"])
    except (KeyError, InvalidOperation) as exc:
        raise Reject("invalidArgument") from exc
    unit = p.get("trailingStopDeviationUnit", "PERCENT")
    if unit not in ("PERCENT", "QUOTE_CURRENCY") or deviation <= 0:
        raise Reject("invalidArgument")
    return {"maxDeviation": deviation, "unit": unit}


@dataclass
class Account:
    """One flex account with USD collateral."""

    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[dict[str, Any]] = field(default_factory=list)
    #: symbol -> (signed size, average entry price)
    positions: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    realized: Decimal = Decimal(0)
    #: symbol -> when the current position was opened (epoch ms)
    opened: dict[str, int] = field(default_factory=dict)
    #: when the armed dead man's switch cancels everything (epoch ms), if armed
    dead_man_ms: int | None = None
    _counter: int = 0

    def _id(self) -> str:
        self._counter += 1
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"krx-sandbox-futures/{self._counter}"))

    def _unrealized(self, prices: dict[str, Decimal]) -> Decimal:
        return sum(
            (size * (prices[sym] - entry) for sym, (size, entry) in self.positions.items()),
            Decimal(0),
        )

    def _margin_used(self, prices: dict[str, Decimal]) -> Decimal:
        return sum(
            (abs(size) * prices[sym] / MAX_LEVERAGE for sym, (size, _) in self.positions.items()),
            Decimal(0),
        )

    def accounts(self, prices: dict[str, Decimal]) -> dict[str, Any]:
        cash = COLLATERAL_USD + self.realized
        pnl = self._unrealized(prices)
        im = self._margin_used(prices)
        equity = cash + pnl
        return {
            "cash": {"type": "cashAccount", "balances": {"usd": cash}},
            "flex": {
                "type": "multiCollateralMarginAccount",
                "currencies": {
                    "USD": {
                        "quantity": cash,
                        "value": cash,
                        "collateralValue": cash,
                        "available": cash - im,
                    },
                },
                "balanceValue": cash,
                "portfolioValue": equity,
                "collateralValue": cash,
                "initialMargin": im,
                "initialMarginWithOrders": im,
                "maintenanceMargin": im / 2,
                "pnl": pnl,
                "unrealizedFunding": Decimal(0),
                "totalUnrealized": pnl,
                "totalUnrealizedAsMargin": pnl,
                "marginEquity": equity,
                "availableMargin": equity - im,
            },
        }

    def positions_wire(self, prices: dict[str, Decimal]) -> list[dict[str, Any]]:
        return [
            {
                "side": "long" if size > 0 else "short",
                "symbol": sym,
                "price": entry,
                "fillTime": iso_ms(self.opened.get(sym, 0)),
                "size": abs(size),
                "unrealizedFunding": Decimal(0),
            }
            for sym, (size, entry) in sorted(self.positions.items())
            if size
        ]

    def open_orders_wire(self) -> list[dict[str, Any]]:
        return [o.wire() for o in self.orders.values()]

    def fills_wire(self, before: str | None) -> list[dict[str, Any]]:
        rows = list(reversed(self.fills))
        return [f for f in rows if before is None or f["fillTime"] < before][:100]

    def send(self, p: dict[str, str], prices: dict[str, Decimal], now: int) -> dict[str, Any]:
        kind, symbol, side = p.get("orderType", ""), p.get("symbol", "").upper(), p.get("side")
        if kind not in _ORDER_TYPES or side not in ("buy", "sell") or "size" not in p:
            raise Reject("invalidArgument")
        contract = BY_SYMBOL.get(symbol)
        if contract is None:
            raise Reject("contractNotFound")
        try:
            size = Decimal(p["size"])
            limit = Decimal(p["limitPrice"]) if "limitPrice" in p else None
            stop = Decimal(p["stopPrice"]) if "stopPrice" in p else None
        except InvalidOperation as exc:
            raise Reject("invalidArgument") from exc
        cli = p.get("cliOrdId") or None
        if cli and any(o.cli_ord_id == cli for o in self.orders.values()):
            return {"status": "duplicateClientId", "receivedTime": iso_ms(now), "orderEvents": []}
        base = {"receivedTime": iso_ms(now)}
        step = Decimal(1).scaleb(-contract.precision)
        if size <= 0 or size % step:
            return {**base, "status": "invalidSize", "orderEvents": []}
        if (limit is not None and limit % contract.tick) or (
            stop is not None and stop % contract.tick
        ):
            return {**base, "status": "invalidPrice", "orderEvents": []}
        if kind in ("lmt", "post", "ioc") and limit is None:
            raise Reject("requiredArgumentMissing")
        price = prices[symbol]
        used = self._margin_used(prices) + size * price / MAX_LEVERAGE
        if used > COLLATERAL_USD + self.realized + self._unrealized(prices):
            return {**base, "status": "insufficientAvailableFunds", "orderEvents": []}
        order = Order(
            self._id(),
            cli,
            symbol,
            side,
            kind,
            size,
            limit,
            stop,
            p.get("reduceOnly") == "true",
            now,
            now,
            _trailing(p) if kind == "trailing_stop" else None,
        )
        if kind == "trailing_stop" and not p.get("trailingStopMaxDeviation"):
            raise Reject("requiredArgumentMissing")
        crosses = kind == "mkt" or (
            limit is not None and (limit >= price if side == "buy" else limit <= price)
        )
        if kind == "post" and crosses:
            return {**base, "status": "postWouldExecute", "orderEvents": []}
        if kind == "ioc" and not crosses:
            return {**base, "status": "iocWouldNotExecute", "orderEvents": []}
        events: list[dict[str, Any]] = []
        if crosses and kind not in _TRIGGERED:
            self._fill(order, price, now)
            events.append(
                {"order": order.event_order(size), "reducedQuantity": None, "type": "PLACE"}
            )
            events.append(
                {
                    "executionId": self._id(),
                    "price": price,
                    "amount": size,
                    "orderPriorEdit": None,
                    "orderPriorExecution": order.event_order(Decimal(0)),
                    "takerReducedQuantity": None,
                    "type": "EXECUTION",
                }
            )
        else:
            self.orders[order.order_id] = order
            events.append(
                {"order": order.event_order(Decimal(0)), "reducedQuantity": None, "type": "PLACE"}
            )
        return {"order_id": order.order_id, "status": "placed", **base, "orderEvents": events}

    def _fill(self, order: Order, price: Decimal, now: int) -> None:
        signed = order.size if order.side == "buy" else -order.size
        size, entry = self.positions.get(order.symbol, (Decimal(0), Decimal(0)))
        new = size + signed
        if size == 0 or (size > 0) == (signed > 0):
            entry = (size * entry + signed * price) / new if new else Decimal(0)
        else:
            closed = min(abs(size), abs(signed))
            self.realized += closed * (price - entry) * (1 if size > 0 else -1)
            if new and (new > 0) != (size > 0):
                entry = price
        self.positions[order.symbol] = (new, entry if new else Decimal(0))
        if size == 0 or (new and (new > 0) != (size > 0)):
            self.opened[order.symbol] = now
        self.fills.append(
            {
                "fill_id": self._id(),
                "symbol": order.symbol,
                "side": order.side,
                "order_id": order.order_id,
                "cliOrdId": order.cli_ord_id,
                "size": order.size,
                "price": price,
                "fillTime": iso_ms(now),
                "fillType": "taker",
            }
        )

    def _find(self, p: dict[str, str]) -> Order | None:
        oid = p.get("order_id") or p.get("orderId")
        if oid:
            return self.orders.get(oid)
        cli = p.get("cliOrdId")
        return next((o for o in self.orders.values() if cli and o.cli_ord_id == cli), None)

    def edit(self, p: dict[str, str], now: int) -> dict[str, Any]:
        order = self._find(p)
        if order is None:
            return {
                "status": "orderForEditNotFound",
                "receivedTime": iso_ms(now),
                "orderEvents": [],
            }
        try:
            if "size" in p:
                order.size = Decimal(p["size"])
            if "limitPrice" in p:
                order.limit = Decimal(p["limitPrice"])
            if "stopPrice" in p:
                order.stop = Decimal(p["stopPrice"])
        except InvalidOperation as exc:
            raise Reject("invalidArgument") from exc
        order.updated_ms = now
        return {
            "status": "edited",
            "orderId": order.order_id,
            "receivedTime": iso_ms(now),
            "orderEvents": [{"type": "EDIT", "new": order.event_order(Decimal(0))}],
        }

    def cancel(self, p: dict[str, str], now: int) -> dict[str, Any]:
        order = self._find(p)
        if order is None:
            return {"status": "notFound", "receivedTime": iso_ms(now)}
        del self.orders[order.order_id]
        return {
            "status": "cancelled",
            "order_id": order.order_id,
            "receivedTime": iso_ms(now),
            "orderEvents": [
                {"uid": order.order_id, "order": order.event_order(Decimal(0)), "type": "CANCEL"}
            ],
        }

    def cancel_all(self, p: dict[str, str], now: int) -> dict[str, Any]:
        symbol = p.get("symbol", "").upper() or None
        gone = [o for o in self.orders.values() if symbol is None or o.symbol == symbol]
        for o in gone:
            del self.orders[o.order_id]
        return {
            "status": "cancelled",
            "receivedTime": iso_ms(now),
            "cancelledOrders": [{"order_id": o.order_id, "cliOrdId": o.cli_ord_id} for o in gone],
        }

    def arm_dead_man(self, p: dict[str, str], now: int) -> dict[str, Any]:
        """``cancelallordersafter``: (re-)arm the switch for ``timeout`` s; 0 disarms it."""
        try:
            timeout = int(p.get("timeout", ""))
        except ValueError as exc:
            raise Reject("invalidArgument") from exc
        if not 0 <= timeout <= MAX_DEAD_MAN_S:
            raise Reject("invalidArgument")
        self.dead_man_ms = now + timeout * 1000 if timeout else None
        trigger = iso_ms(self.dead_man_ms) if self.dead_man_ms else "0"
        return {"currentTime": iso_ms(now), "triggerTime": trigger}

    def run_dead_man(self, now: int) -> None:
        """Cancel every open order if the armed switch's time has come."""
        if self.dead_man_ms is not None and now >= self.dead_man_ms:
            self.dead_man_ms = None
            self.orders.clear()

    def volumes_by_fee_schedule(self) -> dict[str, Decimal]:
        """30-day USD volume per fee schedule uid (``feeschedules/volumes``)."""
        traded = sum((f["size"] * f["price"] for f in self.fills), Decimal(0))
        return {uid: traded for uid, _ in FEE_SCHEDULES}
