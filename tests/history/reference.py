"""A deliberately plain trades -> candles reference (Decimal, grouped lists) for the tests."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from kraken_cli.models.market import Candle
from kraken_cli.services.history.aggregate import NS, period_start


def reference_candles(
    trades: Iterable[tuple[int, str, str]], period: int, price_dp: int, volume_dp: int
) -> list[Candle]:
    """Group trades by period open time and compute every field with Decimal."""
    groups: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for t, p, v in trades:
        groups.setdefault(period_start(t // NS, period), []).append((Decimal(p), Decimal(v)))
    out = []
    pq = Decimal(1).scaleb(-price_dp)
    vq = Decimal(1).scaleb(-volume_dp)
    for start in sorted(groups):
        rows = groups[start]
        prices = [p for p, _ in rows]
        vol = sum((v for _, v in rows), Decimal(0))
        pv = sum((p * v for p, v in rows), Decimal(0))
        vwap = (pv / vol).quantize(pq, rounding=ROUND_HALF_EVEN) if vol else prices[-1]
        out.append(
            Candle(
                "",
                start,
                prices[0].quantize(pq),
                max(prices).quantize(pq),
                min(prices).quantize(pq),
                prices[-1].quantize(pq),
                vwap,
                vol.quantize(vq),
                len(rows),
            )
        )
    return out
