"""Spot order checks against a pair's rules (tick, lot, minimums) and AddOrder's body."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from kraken_cli.errors import UsageError
from kraken_cli.models.segment import Market
from kraken_cli.models.symbols import Pair
from kraken_cli.models.trading import OrderRequest
from kraken_cli.services.trading.rules import MAX_ID_LEN, check_id, is_relative, parse_decimal

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


def tick(pair: Pair) -> Decimal:
    """Return the pair's price step (tick size, else one unit of its last price decimal)."""
    return pair.tick_size or Decimal(1).scaleb(-pair.pair_decimals)


def lot(pair: Pair) -> Decimal:
    """Return the pair's volume step (one unit of its last lot decimal)."""
    return Decimal(1).scaleb(-pair.lot_decimals)


def check_price(pair: Pair, text: str, what: str = "price") -> None:
    """Check a price against the pair's tick size; relative prices are Kraken's to check."""
    if is_relative(text):
        return
    price = parse_decimal(text, what)
    step = tick(pair)
    if price % step != 0:
        nearest = (price / step).to_integral_value(ROUND_HALF_EVEN) * step
        nearest = max(nearest, step)
        raise UsageError(
            f"{what} {text} is not a multiple of {pair.symbol}'s tick size {step}",
            hint=f"nearest valid {what}: {nearest.normalize():f}",
        )


def check_volume(pair: Pair, volume: Decimal) -> None:
    """Check a volume against lot_decimals and ordermin."""
    step = lot(pair)
    if volume % step != 0:
        nearest = volume.quantize(step, ROUND_HALF_EVEN)
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
    needed = (pair.costmin / price).quantize(lot(pair), ROUND_CEILING)
    raise UsageError(
        f"order cost {(volume * price).normalize():f} {pair.quote} is below {pair.symbol}'s "
        f"cost minimum {pair.costmin}",
        hint=f"nearest valid volume at this price: {needed.normalize():f}",
    )


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
    if req.cl_ord_id is not None:
        check_id(req.cl_ord_id, "--cl-ord-id", MAX_ID_LEN[Market.SPOT])
    if req.price:
        check_price(pair, req.price)
        if req.type == "limit" and not is_relative(req.price):
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
