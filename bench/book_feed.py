"""Synthetic Kraken WS v2 ``book`` feed for the stream benchmark (generated in-process).

One snapshot then N updates, as wire text, following the mix of perf-anchors §2: 60% quantity
changes (biased to the top), 20% inserts inside the view (the level pushed past the depth is
not announced), 20% deletes each followed by the level re-entering at the depth. BTC/USD
precision: price 1 dp, qty 8 dp; every message carries the checksum of the exchange's view.
"""

from __future__ import annotations

import bisect
import random
from zlib import crc32

QTY_UNIT = 10**8


def _p(tick: int) -> str:
    return f"{tick // 10}.{tick % 10}"


def _q(q: int) -> str:
    return f"{q // QTY_UNIT}.{q % QTY_UNIT:08d}"


def _qty(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.15:
        return rng.choice([1, 2, 5, 10, 25, 50, 100]) * QTY_UNIT // 100
    if r < 0.25:
        return rng.randint(1, 20) * QTY_UNIT
    return rng.randint(1_000, 5 * QTY_UNIT)


class _Side:
    def __init__(self, bid: bool) -> None:
        self.sign = -1 if bid else 1
        self.keys: list[int] = []
        self.qty: dict[int, int] = {}

    def tick(self, i: int) -> int:
        return self.sign * self.keys[i]

    def put(self, tick: int, q: int) -> None:
        k = self.sign * tick
        if k not in self.qty:
            bisect.insort(self.keys, k)
        self.qty[k] = q

    def drop(self, tick: int) -> None:
        k = self.sign * tick
        del self.qty[k]
        del self.keys[bisect.bisect_left(self.keys, k)]

    def level(self, i: int) -> tuple[int, int]:
        k = self.keys[i]
        return self.sign * k, self.qty[k]

    def crc_text(self) -> str:
        parts = []
        for i in range(min(10, len(self.keys))):
            t, q = self.level(i)
            parts.append(_p(t).replace(".", "").lstrip("0") + _q(q).replace(".", "").lstrip("0"))
        return "".join(parts)


def _lv(tick: int, q: int) -> str:
    return f'{{"price":{_p(tick)},"qty":{_q(q) if q else "0.00000000"}}}'


def make_feed(depth: int, n: int, seed: int = 1) -> list[str]:
    """Return ``[snapshot, update, ...]`` wire texts for a depth-``depth`` subscriber."""
    rng = random.Random(seed)
    reserve = max(50, depth // 5)
    asks, bids = _Side(False), _Side(True)
    t = 600_001
    while len(asks.keys) < depth + reserve:
        asks.put(t, _qty(rng))
        t += rng.randint(1, 4)
    t = 599_999
    while len(bids.keys) < depth + reserve:
        bids.put(t, _qty(rng))
        t -= rng.randint(1, 4)

    def crc() -> int:
        return crc32((asks.crc_text() + bids.crc_text()).encode())

    def refill(side: _Side) -> None:
        while len(side.keys) < depth + reserve:
            side.put(side.tick(-1) + side.sign * rng.randint(1, 4), _qty(rng))

    snap_a = ",".join(_lv(*asks.level(i)) for i in range(depth))
    snap_b = ",".join(_lv(*bids.level(i)) for i in range(depth))
    out = [
        '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",'
        f'"bids":[{snap_b}],"asks":[{snap_a}],"checksum":{crc()},'
        '"timestamp":"2026-01-01T00:00:00.000000Z"}]}'
    ]
    us = 0
    for _ in range(n):
        ops: dict[bool, list[str]] = {False: [], True: []}
        for _op in range(rng.choice((1, 1, 1, 2, 2, 3))):
            side = bids if rng.random() < 0.5 else asks
            other = asks if side is bids else bids
            is_bid = side is bids
            r = rng.random()
            i = min(int(rng.expovariate(1 / max(2.0, depth / 8))), depth - 1)
            if r < 0.6:
                tick, _ = side.level(i)
                q = _qty(rng)
                side.put(tick, q)
                ops[is_bid].append(_lv(tick, q))
            elif r < 0.8:
                worst = side.tick(depth - 1)
                best_other = other.tick(0)
                lo, hi = (worst + 1, best_other - 1) if is_bid else (best_other + 1, worst - 1)
                for _try in range(8):
                    if lo > hi:
                        break
                    tick = rng.randint(lo, hi)
                    if side.sign * tick not in side.qty:
                        q = _qty(rng)
                        side.put(tick, q)
                        ops[is_bid].append(_lv(tick, q))
                        break
            else:
                tick, _ = side.level(i)
                side.drop(tick)
                ops[is_bid].append(_lv(tick, 0))
                refill(side)
                ops[is_bid].append(_lv(*side.level(depth - 1)))
        us += rng.randint(50, 5000)
        mins, secs, frac = us // 60_000_000 % 60, us // 1_000_000 % 60, us % 1_000_000
        ts = f"2026-01-01T00:{mins:02d}:{secs:02d}.{frac:06d}Z"
        out.append(
            '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD",'
            f'"bids":[{",".join(ops[True])}],"asks":[{",".join(ops[False])}],'
            f'"checksum":{crc()},"timestamp":"{ts}"}}]}}'
        )
    return out
