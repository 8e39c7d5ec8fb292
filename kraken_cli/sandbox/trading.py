"""Private order endpoints: AddOrder, AmendOrder, EditOrder, CancelOrder, CancelAll(After).

Validation order follows what Kraken reports most specifically: arguments, then price
precision / tick size, order minimum, cost minimum, then funds.
https://docs.kraken.com/api/docs/rest-api/add-order
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.market import Pair, rest_pair
from kraken_cli.sandbox.matching import OrderRejected
from kraken_cli.sandbox.orders import (
    ORDER_TYPES,
    Order,
    descr_prices,
    describe,
    price_text,
    vol_text,
)
from kraken_cli.sandbox.ratelimit import amend_penalty, cancel_penalty, edit_penalty
from kraken_cli.sandbox.relative import TRAILING_TYPES, Offset, away_from_market, parse_offset
from kraken_cli.sandbox.rest_public import ApiError
from kraken_cli.sandbox.wire import NS, rfc3339_seconds

Params = Mapping[str, str]


def truthy(text: str | None) -> bool:
    """Interpret Kraken boolean parameters (``true``/``1``)."""
    return (text or "").strip().lower() in ("true", "1", "yes")


def _decimal(params: Params, name: str) -> Decimal | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ApiError(f"EGeneral:Invalid arguments:{name}") from None
    if not value.is_finite() or value <= 0:
        raise ApiError(f"EGeneral:Invalid arguments:{name}")
    return value


def price_units(pair: Pair, value: Decimal) -> int:
    """Convert a price to units, enforcing precision and tick size like Kraken."""
    scaled = value * 10**pair.pair_decimals
    if scaled != scaled.to_integral_value():
        raise ApiError(
            f"EOrder:Invalid price:{pair.altname} price can only be specified up to "
            f"{pair.pair_decimals} decimals."
        )
    units = int(scaled)
    if units % pair.tick_units:
        raise ApiError("EOrder:Tick size check failed")
    return units


def volume_units(pair: Pair, value: Decimal, name: str = "volume") -> int:
    """Convert a volume to lot units (finer precision is invalid)."""
    scaled = value * 10**pair.lot_decimals
    if scaled != scaled.to_integral_value():
        raise ApiError(f"EGeneral:Invalid arguments:{name}")
    return int(scaled)


def _price(params: Params, name: str, pair: Pair, last: int, kind: tuple[str, str]) -> int:
    """An absolute price, or a relative one (``+5``, ``-1%``, ``#2``) from the last trade."""
    offset = parse_offset(params.get(name, ""))
    if offset is None:
        value = _decimal(params, name)
        if value is None:
            raise ApiError(f"EGeneral:Invalid arguments:{name}")
        return price_units(pair, value)
    units = offset.apply(last, pair, away_from_market(*kind, name))
    if units <= 0:
        raise ApiError(f"EGeneral:Invalid arguments:{name}")
    return units


def _trailing(params: Params, ordertype: str) -> tuple[Offset, Offset | None]:
    """A trailing stop's distance (``+`` only) and a trailing-stop-limit's limit offset."""
    trail = parse_offset(params.get("price", ""))
    if trail is None or trail.sign != "+":
        raise ApiError("EGeneral:Invalid arguments:price")
    if ordertype != "trailing-stop-limit":
        return trail, None
    limit = parse_offset(params.get("price2", ""))
    if limit is None or limit.sign == "#":
        raise ApiError("EGeneral:Invalid arguments:price2")
    return trail, limit


def _display_volume(params: Params, pair: Pair, ordertype: str, volume: int) -> int | None:
    """An iceberg's ``displayvol``: at least 1/15 of the volume (Kraken's minimum), at most all."""
    value = _decimal(params, "displayvol")
    if ordertype != "iceberg":
        if value is not None:
            raise ApiError("EGeneral:Invalid arguments:displayvol")
        return None
    if value is None:
        raise ApiError("EGeneral:Invalid arguments:displayvol")
    shown = volume_units(pair, value, "displayvol")
    if not volume <= shown * 15 or shown > volume:
        raise ApiError("EGeneral:Invalid arguments:displayvol")
    return shown


def build_order(sb: Sandbox, params: Params, txid: str) -> Order:
    """Parse and validate AddOrder parameters into an :class:`Order` (nothing placed)."""
    pair = rest_pair(params.get("pair", ""))
    if pair is None:
        raise ApiError("EQuery:Unknown asset pair")
    side = params.get("type", "")
    if side not in ("buy", "sell"):
        raise ApiError("EGeneral:Invalid arguments:type")
    ordertype = params.get("ordertype", "")
    if ordertype not in ORDER_TYPES:
        raise ApiError("EGeneral:Invalid arguments:ordertype")
    volume = _decimal(params, "volume")
    if volume is None:
        raise ApiError("EGeneral:Invalid arguments:volume")
    last = sb.exchange.last_price(pair)
    trail = limit_offset = None
    price = price2 = None
    if ordertype in TRAILING_TYPES:
        trail, limit_offset = _trailing(params, ordertype)
        price = trail.apply(last, pair, -1 if side == "sell" else 1)
        price2 = limit_offset.apply(price, pair, 0) if limit_offset else None
    elif ordertype not in ("market", "settle-position"):
        price = _price(params, "price", pair, last, (ordertype, side))
        if ordertype.endswith("-limit"):
            price2 = _price(params, "price2", pair, last, (ordertype, side))
    vol = volume_units(pair, volume)
    displayvol = _display_volume(params, pair, ordertype, vol)
    if volume < Decimal(pair.ordermin):
        raise ApiError("EOrder:Order minimum not met")
    reference = price2 or price or sb.exchange.last_price(pair)
    if volume * Decimal(reference) / 10**pair.pair_decimals < Decimal(pair.costmin):
        raise ApiError("EOrder:Cost minimum not met")
    flags = [f for f in params.get("oflags", "").split(",") if f]
    if any(f not in ("post", "fcib", "fciq", "nompp", "viqc") for f in flags):
        raise ApiError("EGeneral:Invalid arguments:oflags")
    if "post" in flags and ordertype not in ("limit", "iceberg"):
        raise ApiError("EGeneral:Invalid arguments:oflags")
    if "fcib" not in flags and "fciq" not in flags:
        flags.append("fciq")
    leverage = None
    lev_text = params.get("leverage", "none")
    if lev_text not in ("", "none"):
        try:
            leverage = int(lev_text.split(":")[0])
        except ValueError:
            raise ApiError("EGeneral:Invalid arguments:leverage") from None
        if leverage not in pair.leverage_for(side):
            raise ApiError("EGeneral:Invalid arguments:leverage")
    cl_ord_id = params.get("cl_ord_id") or None
    userref_text = params.get("userref")
    if cl_ord_id and userref_text:
        raise ApiError("EGeneral:Invalid arguments:cl_ord_id and userref are exclusive")
    if cl_ord_id and any(o.cl_ord_id == cl_ord_id for o in sb.exchange.open_orders()):
        raise ApiError("EOrder:Duplicate cl_ord_id")
    try:
        userref = int(userref_text or 0)
    except ValueError:
        raise ApiError("EGeneral:Invalid arguments:userref") from None
    trigger = params.get("trigger") or "last"
    if trigger not in ("last", "index"):
        raise ApiError("EGeneral:Invalid arguments:trigger")
    tif = params.get("timeinforce", "GTC").upper()
    if tif not in ("GTC", "IOC", "GTD"):
        raise ApiError("EGeneral:Invalid arguments:timeinforce")
    order = Order(
        txid,
        pair,
        side,
        ordertype,
        vol,
        price,
        price2,
        sb.now(),
        userref,
        cl_ord_id,
        ",".join(flags),
        leverage,
        truthy(params.get("reduce_only")),
        tif,
        displayvol=displayvol,
        trail=trail,
        limit_offset=limit_offset,
        peak=last if trail else None,
        trigger=trigger,
    )
    if order.reduce_only or ordertype == "settle-position":
        opposing = sb.exchange.positions.opposing_volume(pair, side)
        if not opposing:
            raise ApiError("EOrder:Reduce only:No position exists")
        order.volume = min(order.volume, opposing)  # it may reduce, never reverse
    open_on_pair = [o for o in sb.exchange.open_orders() if o.pair is pair]
    if len(open_on_pair) >= sb.account.tier.max_open_orders:
        raise ApiError("EOrder:Orders limit exceeded")
    try:
        sb.exchange.check_funds(order)
    except OrderRejected as exc:
        raise ApiError(str(exc)) from None
    return order


def add_order(sb: Sandbox, params: Params) -> object:
    """Place an order. https://docs.kraken.com/api/docs/rest-api/add-order"""
    pair = rest_pair(params.get("pair", ""))
    # the fixed +1 applies even when the order then fails validation (PROTOCOL §4.2)
    if pair is not None and not sb.account.trading.charge(pair.key, 1):
        raise ApiError("EOrder:Rate limit exceeded")
    order = build_order(sb, params, sb.account.new_id("O"))
    result: dict[str, object] = {"descr": {"order": describe(order)}}
    if truthy(params.get("validate")):
        return result
    sb.exchange.place(order)
    result["txid"] = [order.txid]
    return result


def _target(sb: Sandbox, params: Params) -> Order:
    ref = params.get("txid") or params.get("cl_ord_id") or ""
    found = [o for o in sb.exchange.find(ref) if o.status == "open"] if ref else []
    if not found:
        raise ApiError("EOrder:Unknown order")
    return found[0]


def _age(sb: Sandbox, order: Order) -> float:
    return (sb.now() - max(order.opentm_ns, order.amend_tm_ns)) / NS


def amend_order(sb: Sandbox, params: Params) -> object:
    """Amend in place. https://docs.kraken.com/api/docs/rest-api/amend-order"""
    order = _target(sb, params)
    if not sb.account.trading.charge(order.pair.key, amend_penalty(_age(sb, order))):
        raise ApiError("EOrder:Rate limit exceeded")
    qty = _decimal(params, "order_qty")
    limit = _decimal(params, "limit_price")
    trigger = _decimal(params, "trigger_price")
    if qty is not None:
        units = volume_units(order.pair, qty, "order_qty")
        if qty < Decimal(order.pair.ordermin):
            raise ApiError("EOrder:Order minimum not met")
        order.volume = max(units, order.vol_exec)
    if limit is not None:
        units = price_units(order.pair, limit)
        if order.ordertype.endswith("-limit"):
            order.price2 = units
        else:
            order.price = units
    if trigger is not None and order.ordertype != "limit":
        order.price = price_units(order.pair, trigger)
    order.amended = True
    order.amend_tm_ns = sb.now()
    if order.remaining <= 0:
        sb.exchange.close(order, "closed", None)
    else:
        sb.account.emit("exec", ("amended", order, None))
    return {"amend_id": sb.account.new_id("T")}


def edit_order(sb: Sandbox, params: Params) -> object:
    """Cancel-and-replace. https://docs.kraken.com/api/docs/rest-api/edit-order"""
    if rest_pair(params.get("pair", "")) is None:
        raise ApiError("EQuery:Unknown asset pair")
    old = _target(sb, params)
    if not sb.account.trading.charge(old.pair.key, edit_penalty(_age(sb, old))):
        raise ApiError("EOrder:Rate limit exceeded")
    pair = old.pair
    merged = {
        "pair": pair.key,
        "type": old.side,
        "ordertype": old.ordertype,
        "volume": params.get("volume") or vol_text(pair, old.volume),
        "price": params.get("price") or descr_prices(old)[0],
        "oflags": params.get("oflags", old.oflags),
        "userref": params.get("userref", str(old.userref)),
    }
    if old.price2 is not None or params.get("price2"):
        merged["price2"] = params.get("price2") or descr_prices(old)[1]
    if old.leverage:
        merged["leverage"] = str(old.leverage)
    if old.displayvol:
        merged["displayvol"] = vol_text(pair, old.displayvol)
    # the old order's hold must not block its own replacement
    old.status = "pending"
    try:
        new = build_order(sb, merged, sb.account.new_id("O"))
    finally:
        old.status = "open"
    result: dict[str, object] = {
        "status": "ok",
        "txid": new.txid,
        "originaltxid": old.txid,
        "volume": vol_text(pair, new.volume),
        "price": price_text(pair, new.price),
        "price2": price_text(pair, new.price2),
        "orders_cancelled": 1,
        "descr": {"order": describe(new)},
    }
    if truthy(params.get("validate")):
        result["orders_cancelled"] = 0
        return result
    sb.exchange.close(old, "canceled", "Order replaced")
    sb.exchange.place(new)
    return result


def cancel_order(sb: Sandbox, params: Params) -> object:
    """Cancel by txid, userref or cl_ord_id. https://docs.kraken.com/api/docs/rest-api/cancel-order"""
    ref = params.get("txid") or params.get("cl_ord_id") or ""
    found = [o for o in sb.exchange.find(ref) if o.status == "open"] if ref else []
    if not found:
        raise ApiError("EOrder:Unknown order")
    for order in found:
        sb.account.trading.counter(order.pair.key).add(cancel_penalty(_age(sb, order)))
        sb.exchange.close(order, "canceled", "User requested")
    return {"count": len(found)}


def cancel_all(sb: Sandbox, params: Params) -> object:
    """Cancel every open order. https://docs.kraken.com/api/docs/rest-api/cancel-all-orders"""
    orders = sb.exchange.open_orders()
    for order in orders:
        sb.exchange.close(order, "canceled", "User requested")
    return {"count": len(orders)}


def cancel_all_after(sb: Sandbox, params: Params) -> object:
    """Dead man's switch. https://docs.kraken.com/api/docs/rest-api/cancel-all-orders-after"""
    try:
        timeout = int(params.get("timeout", ""))
    except ValueError:
        raise ApiError("EGeneral:Invalid arguments:timeout") from None
    if not 0 <= timeout <= 86400:
        raise ApiError("EGeneral:Invalid arguments:timeout")
    now = sb.server_now() // NS
    if timeout == 0:
        sb.exchange.dead_man_ns = None
        return {"currentTime": rfc3339_seconds(now), "triggerTime": "0"}
    sb.exchange.dead_man_ns = sb.now() + timeout * NS
    return {"currentTime": rfc3339_seconds(now), "triggerTime": rfc3339_seconds(now + timeout)}
