"""The many-pairs market (``krx sandbox --pairs 1500``): Kraken lists about 1,450 spot pairs, and
``krx archive --all`` must subscribe them all within the WS limits, so the sandbox can list as
many. The extra pairs are synthetic ``Sxxxx/USD`` pairs with seeded prices; the built-in ones
stay as they are.
"""

from __future__ import annotations

import random

from kraken_cli.sandbox.market import PAIRS, Asset, Pair, add_pairs


def synthetic(index: int, seed: int) -> tuple[Asset, Pair]:
    """Return the ``index``-th synthetic asset and its USD pair (same seed, same pair)."""
    base = f"S{index:04d}"
    rng = random.Random(f"{seed}:many:{index}")
    price_decimals = rng.choice((2, 4, 5, 6))
    price = f"{rng.uniform(0.5, 500):.{price_decimals}f}"
    asset = Asset(base, base, base, 8, 4, "0.0", "0.05")
    pair = Pair(
        key=f"{base}USD",
        altname=f"{base}USD",
        wsname=f"{base}/USD",
        symbol=f"{base}/USD",
        base=base,
        quote="ZUSD",
        pair_decimals=price_decimals,
        lot_decimals=8,
        cost_decimals=5,
        ordermin="1",
        costmin="0.5",
        tick_size=f"{10**-price_decimals:.{price_decimals}f}",
        leverage=(),
        position_limits=(0, 0),
        ref_price=price,
        typical_volume="10",
    )
    return asset, pair


def widen_market(total: int, seed: int) -> int:
    """Grow the catalogue to ``total`` pairs with synthetic ones; return how many were added."""
    missing = max(0, total - len(PAIRS))
    made = [synthetic(i, seed) for i in range(1, missing + 1)]
    add_pairs([a for a, _ in made], [p for _, p in made])
    return missing
