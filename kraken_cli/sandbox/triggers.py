"""When a waiting order fires, and how far an iceberg shows: pure rules on one order.

Stop-loss orders fire when the last trade reaches their price moving against the position
(a buy stop at or above, a sell stop at or below), take-profits when it moves in favour. A
trailing stop's trigger follows the best last price since placement at its trailing distance
and fires when the market comes back by that distance; a trailing-stop-limit then rests at its
limit offset from the trigger.
"""

from __future__ import annotations

from kraken_cli.sandbox.orders import Order


def trail(order: Order, last: int) -> None:
    """Move a trailing stop's peak and trigger (``price``, and ``price2`` for its limit)."""
    if order.trail is None or order.peak is None:
        return
    pair = order.pair
    if order.side == "sell":
        order.peak = max(order.peak, last)
        order.price = order.peak - order.trail.distance(order.peak, pair)
    else:
        order.peak = min(order.peak, last)
        order.price = order.peak + order.trail.distance(order.peak, pair)
    if order.limit_offset is not None:
        order.price2 = order.limit_offset.apply(order.price, pair, 0)


def fires(order: Order, last: int) -> bool:
    """Tell whether a stop, take-profit or trailing order triggers at ``last``."""
    stop = order.price or 0
    up, down = last >= stop, last <= stop
    if order.ordertype.startswith("take-profit"):
        return down if order.side == "buy" else up
    # stop-loss and trailing stops: against the position
    return up if order.side == "buy" else down


def resting_fill(order: Order) -> int:
    """Volume a resting order fills when the tape trades through it (an iceberg: its display)."""
    if order.displayvol:
        return min(order.remaining, order.displayvol)
    return order.remaining
