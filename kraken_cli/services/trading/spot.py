"""Placing, amending and cancelling spot orders, checked locally and never sent twice.

Every order carries a client order id (generated when the user gives none). When AddOrder ends
in a timeout or a broken connection, krx does not re-send it: it looks the order up by that id
(OpenOrders, then ClosedOrders) and reports what really happened.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, InvalidOperation

from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.errors import KrxError, NetworkError, UsageError
from kraken_cli.models.account import Names, Order
from kraken_cli.models.symbols import Pair
from kraken_cli.services.account.spot import AccountService

ORDER_TYPES = (
    "market",
    "limit",
    "stop-loss",
    "take-profit",
    "stop-loss-limit",
    "take-profit-limit",
)
#: Types whose ``price`` is required (limit price, or trigger price for stop/take-profit).
NEEDS_PRICE = frozenset(ORDER_TYPES) - {"market"}
NEEDS_PRICE2 = frozenset({"stop-loss-limit", "take-profit-limit"})


def parse_decimal(text: str, what: str) -> Decimal:
    """Parse a user decimal exactly, or raise UsageError naming the argument."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(f"{what} {text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"{what} must be a positive number, got {text!r}")
    return value


def new_cl_ord_id() -> str:
    """Return a fresh client order id (a UUID, the form Kraken documents)."""
    return str(uuid.uuid4())


def _is_relative(text: str) -> bool:
    return text.startswith(("+", "-", "#")) or text.endswith("%")


def _step(pair: Pair) -> Decimal:
    return pair.tick_size or Decimal(1).scaleb(-pair.pair_decimals)


def check_price(pair: Pair, text: str, what: str = "price") -> None:
    """Check a price against the pair's tick size; relative prices are Kraken's to check."""
    if _is_relative(text):
        return
    price = parse_decimal(text, what)
    step = _step(pair)
    if price % step != 0:
        nearest = (price / step).to_integral_value(ROUND_HALF_EVEN) * step
        nearest = max(nearest, step)
        raise UsageError(
            f"{what} {text} is not a multiple of {pair.symbol}'s tick size {step}",
            hint=f"nearest valid {what}: {nearest.normalize():f}",
        )


def check_volume(pair: Pair, volume: Decimal) -> None:
    """Check a volume against lot_decimals and ordermin."""
    lot = Decimal(1).scaleb(-pair.lot_decimals)
    if volume % lot != 0:
        nearest = volume.quantize(lot, ROUND_HALF_EVEN)
        if pair.ordermin is not None:
            nearest = max(nearest, pair.ordermin)
        raise UsageError(
            f"volume {volume} has more than {pair.lot_decimals} decimals ({pair.symbol} lot size)",
            hint=f"nearest valid volume: {nearest.normalize():f}",
        )
    if pair.ordermin is not None and volume < pair.ordermin:
        raise UsageError(
            f"volume {volume} is below {pair.symbol}'s order minimum {pair.ordermin}",
            hint=f"nearest valid volume: {pair.ordermin}",
        )


def check_cost(pair: Pair, volume: Decimal, price: Decimal) -> None:
    """Check price x volume against costmin (when the price is known)."""
    if pair.costmin is None or volume * price >= pair.costmin:
        return
    lot = Decimal(1).scaleb(-pair.lot_decimals)
    needed = (pair.costmin / price).quantize(lot, ROUND_CEILING)
    raise UsageError(
        f"order cost {(volume * price).normalize():f} {pair.quote} is below {pair.symbol}'s "
        f"cost minimum {pair.costmin}",
        hint=f"nearest valid volume at this price: {needed.normalize():f}",
    )


@dataclass(frozen=True)
class OrderRequest:
    """An order as the user asked for it (strings exactly as typed)."""

    side: str
    volume: str
    type: str = "limit"
    price: str | None = None
    price2: str | None = None
    post_only: bool = False
    reduce_only: bool = False
    leverage: str | None = None
    cl_ord_id: str | None = None
    validate: bool = False


def check_order(pair: Pair, req: OrderRequest) -> Decimal:
    """Check an order against the pair's rules before anything is sent; return the volume."""
    if req.side not in ("buy", "sell"):
        raise UsageError(f"side must be buy or sell, got {req.side!r}")
    if req.type not in ORDER_TYPES:
        raise UsageError(f"unknown order type {req.type!r}", hint="use " + ", ".join(ORDER_TYPES))
    volume = parse_decimal(req.volume, "volume")
    check_volume(pair, volume)
    if req.type in NEEDS_PRICE and not req.price:
        raise UsageError(f"a {req.type} order needs --price")
    if req.type == "market" and req.price:
        raise UsageError("a market order takes no --price", hint="use --type limit")
    if req.type in NEEDS_PRICE2 and not req.price2:
        raise UsageError(f"a {req.type} order needs --price2 (the limit price)")
    if req.post_only and req.type != "limit":
        raise UsageError("--post-only applies to limit orders only")
    if req.cl_ord_id is not None and not (0 < len(req.cl_ord_id) <= 36):
        raise UsageError("--cl-ord-id must be a UUID or up to 18 ASCII characters")
    if req.price:
        check_price(pair, req.price)
        if req.type == "limit" and not _is_relative(req.price):
            check_cost(pair, volume, Decimal(req.price))
    if req.price2:
        check_price(pair, req.price2, "price2")
    return volume


def add_order_body(pair: Pair, req: OrderRequest, cl_ord_id: str) -> dict[str, str]:
    """Return AddOrder's body fields (without nonce)."""
    body = {
        "pair": pair.altname,
        "type": req.side,
        "ordertype": req.type,
        "volume": req.volume.strip(),
        "cl_ord_id": cl_ord_id,
    }
    if req.price:
        body["price"] = req.price.strip()
    if req.price2:
        body["price2"] = req.price2.strip()
    if req.post_only:
        body["oflags"] = "post"
    if req.reduce_only:
        body["reduce_only"] = "true"
    if req.leverage:
        body["leverage"] = req.leverage
    if req.validate:
        body["validate"] = "true"
    return body


@dataclass(frozen=True)
class PlacedOrder:
    """What AddOrder did: ids, Kraken's description, and whether it was only validated."""

    order_id: str | None
    cl_ord_id: str
    symbol: str
    description: str
    status: str  # placed | validated | placed-after-timeout

    def to_record(self) -> dict[str, object]:
        """Return the record krx prints."""
        return {
            "order_id": self.order_id,
            "cl_ord_id": self.cl_ord_id,
            "symbol": self.symbol,
            "status": self.status,
            "description": self.description,
        }


class TradingService:
    """Order placement, amendment and cancellation over one SpotPrivate client."""

    def __init__(
        self,
        api: SpotPrivate,
        names: Names | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        lookup_grace_s: float = 10.0,
        lookup_interval_s: float = 1.0,
        recovery: Callable[[], SpotPrivate] | None = None,
    ) -> None:
        self.api = api
        self.names = names
        self.account = AccountService(api, names)
        #: Builds the client for the look-up after a lost AddOrder reply: a slow server that
        #: timed out once deserves a more patient timeout (same key lock and counter).
        self._recovery = recovery
        self._sleep = sleep
        self._clock = clock
        self.lookup_grace_s = lookup_grace_s
        self.lookup_interval_s = lookup_interval_s

    def place(self, pair: Pair, req: OrderRequest) -> PlacedOrder:
        """Check and send AddOrder once; after a network failure find the order by cl_ord_id.

        https://docs.kraken.com/api/docs/rest-api/add-order
        """
        check_order(pair, req)
        cl_ord_id = req.cl_ord_id or new_cl_ord_id()
        body = add_order_body(pair, req, cl_ord_id)
        try:
            result = self.api.call("AddOrder", body, idempotent=False)
        except NetworkError as exc:
            if req.validate:
                raise
            return self._recover(pair, cl_ord_id, exc)
        txids = result.get("txid") or []
        description = str((result.get("descr") or {}).get("order", ""))
        if req.validate:
            return PlacedOrder(None, cl_ord_id, pair.symbol, description, "validated")
        return PlacedOrder(
            txids[0] if txids else None, cl_ord_id, pair.symbol, description, "placed"
        )

    def find(self, cl_ord_id: str, account: AccountService | None = None) -> Order | None:
        """Return the order with this client id, open or recently closed, or None."""
        account = account or self.account
        for order in account.open_orders(cl_ord_id):
            return order
        for order in account.closed_orders(cl_ord_id=cl_ord_id):
            return order
        return None

    def _recover(self, pair: Pair, cl_ord_id: str, cause: NetworkError) -> PlacedOrder:
        # The request may have reached Kraken. Never re-send: look it up, a few times, because
        # a slow engine may still be processing it.
        account = self.account
        if self._recovery is not None:
            account = AccountService(self._recovery(), self.names)
        try:
            found, waited = self._poll(cl_ord_id, account)
        except KrxError as again:
            raise NetworkError(
                f"AddOrder failed ({cause.message}) and the order could not be looked up: "
                f"its outcome is UNKNOWN (cl_ord_id {cl_ord_id})",
                hint=f"check `krx account orders` for cl_ord_id {cl_ord_id} before placing it "
                "again; krx never re-sends an order on its own",
            ) from again
        finally:
            if account is not self.account:
                account.api.close()
        if found is None:
            raise NetworkError(
                f"AddOrder failed ({cause.message}); the order was NOT placed: no order with "
                f"cl_ord_id {cl_ord_id} is open or closed after {waited:.0f} s",
                hint="it is safe to place it again",
            ) from cause
        return PlacedOrder(
            found.order_id,
            cl_ord_id,
            found.symbol or pair.symbol,
            found.description or "",
            "placed-after-timeout",
        )

    def _poll(self, cl_ord_id: str, account: AccountService) -> tuple[Order | None, float]:
        # Bounded by time, not by rounds: each look-up may itself be slow.
        start = self._clock()
        while True:
            found = self.find(cl_ord_id, account)
            waited = self._clock() - start
            if found is not None or waited >= self.lookup_grace_s:
                return found, waited
            self._sleep(self.lookup_interval_s)

    def amend(
        self,
        order_id: str,
        *,
        volume: str | None = None,
        price: str | None = None,
        trigger_price: str | None = None,
        post_only: bool = False,
        pair: Pair | None = None,
    ) -> dict[str, object]:
        """Amend an order in place (keeps its id and queue priority where possible).

        https://docs.kraken.com/api/docs/rest-api/amend-order
        """
        if volume is None and price is None and trigger_price is None:
            raise UsageError("nothing to amend", hint="give --volume, --price or --trigger-price")
        body: dict[str, str] = {}
        body["cl_ord_id" if not _looks_like_txid(order_id) else "txid"] = order_id
        if volume is not None:
            if pair is not None:
                check_volume(pair, parse_decimal(volume, "volume"))
            body["order_qty"] = volume
        if price is not None:
            if pair is not None:
                check_price(pair, price)
            body["limit_price"] = price
        if trigger_price is not None:
            if pair is not None:
                check_price(pair, trigger_price, "trigger price")
            body["trigger_price"] = trigger_price
        if post_only:
            body["post_only"] = "true"
        result = self.api.call("AmendOrder", body, idempotent=False)
        return {"order_id": order_id, "amend_id": result.get("amend_id"), "status": "amended"}

    def cancel(self, ids: Sequence[str]) -> list[dict[str, object]]:
        """Cancel orders by txid or client id, one CancelOrder each.

        https://docs.kraken.com/api/docs/rest-api/cancel-order
        """
        out: list[dict[str, object]] = []
        for ident in ids:
            field = "txid" if _looks_like_txid(ident) else "cl_ord_id"
            result = self.api.call("CancelOrder", {field: ident}, idempotent=False)
            out.append(
                {
                    "order_id": ident,
                    "cancelled": int(result.get("count") or 0),
                    "pending": bool(result.get("pending", False)),
                }
            )
        return out

    def cancel_all(self) -> int:
        """Cancel every open order; return how many.

        https://docs.kraken.com/api/docs/rest-api/cancel-all-orders
        """
        result = self.api.call("CancelAll", idempotent=False)
        return int(result.get("count") or 0)


def _looks_like_txid(ident: str) -> bool:
    # Kraken order ids: OXXXXX-XXXXX-XXXXXX (6-5-6).
    parts = ident.split("-")
    return len(parts) == 3 and [len(p) for p in parts] == [6, 5, 6] and ident[0] == "O"
