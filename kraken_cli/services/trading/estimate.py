"""The figures an order confirmation shows: notional value and estimated fee, before sending.

The price is the order's own (limit, or trigger for stop types), or for a market order or a
relative price the best ask (buy) or bid (sell) now. The fee is the key's tier on the pair
(TradeVolume): maker for post-only orders, else taker (the most a fill can cost). Looking the
figures up must never stop an order: whatever cannot be read is left out and said so.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kraken_cli.errors import KrxError
from kraken_cli.models.fees import FeeTier
from kraken_cli.models.order_value import OrderEstimate, estimate_order
from kraken_cli.models.symbols import Pair
from kraken_cli.models.ticker import Ticker
from kraken_cli.models.trading import OrderRequest
from kraken_cli.services.trading.rules import is_relative


def spot_estimate(
    pair: Pair,
    req: OrderRequest,
    volume: Decimal,
    *,
    ticker: Callable[[], Ticker],
    tier: Callable[[], FeeTier | None],
) -> OrderEstimate | None:
    """Return the order's estimate (None when no price can be had); lookups are injected."""
    price, basis = _price(req, ticker)
    if price is None:
        return None
    estimate = estimate_order(volume, price, pair.quote, basis=basis)
    try:
        found = tier()
    except KrxError:
        found = None
    if found is None:
        return estimate
    side = "maker" if req.post_only else "taker"
    pct = found.maker_fee_pct if req.post_only else found.taker_fee_pct
    return OrderEstimate(price, basis, estimate.notional, pair.quote, pct, side)


def _price(req: OrderRequest, ticker: Callable[[], Ticker]) -> tuple[Decimal | None, str]:
    if req.price and not is_relative(req.price.strip()):
        return Decimal(req.price.strip()), "limit" if req.type == "limit" else "trigger price"
    try:
        now = ticker()
    except KrxError:
        return None, ""
    if req.side == "buy":
        return now.ask, "best ask"
    return now.bid, "best bid"
