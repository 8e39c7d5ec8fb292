"""A fake ``Trades`` endpoint that cuts pages anywhere, even inside runs of equal timestamps."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from kraken_cli.services.history.store import StoredTrade

NS = 1_000_000_000


@dataclass(frozen=True)
class FakeTrade:
    trade_id: int | None
    time: Decimal
    price: Decimal
    volume: Decimal
    side: str
    ord_type: str
    misc: str = ""


@dataclass(frozen=True)
class FakePage:
    trades: list[FakeTrade]
    last: str


def make_tape(n: int, seed: int, t0: int = 1_790_000_000 * NS) -> list[StoredTrade]:
    """Return ``n`` time-ordered trades; about a third share the previous timestamp."""
    rng = random.Random(seed)
    t, price, out = t0, 640_000, []
    for i in range(n):
        if not out or rng.random() > 0.33:
            t += rng.randrange(1, 90 * NS)
        price = max(1, price + rng.randrange(-30, 31))
        vol = rng.randrange(1, 10**9)
        out.append(
            StoredTrade(
                1000 + i,
                t,
                f"{price // 10}.{price % 10}0000",
                f"{vol // 10**8}.{vol % 10**8:08d}",
                rng.choice("bs"),
                rng.choice("ml"),
            )
        )
    return out


@dataclass
class FakeTrades:
    """Serves ``tape`` in full pages of ``page_size`` (cuts land anywhere, inside runs too).

    ``since`` is exclusive (or ``inclusive``); ``trim`` moves a run that a page would cut to
    the next page, like the sandbox; ``short`` serves random shorter pages that never cut a run.
    """

    tape: list[StoredTrade]
    seed: int = 0
    inclusive: bool = False
    page_size: int = 1000
    trim: bool = False
    short: bool = False
    fail_after: int | None = None
    calls: int = 0
    sinces: list[int] = field(default_factory=list)

    def __call__(self, since: str) -> FakePage:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise ConnectionError("network lost")
        self.calls += 1
        s = int(since)
        self.sinces.append(s)
        rows = [t for t in self.tape if (t.time_ns >= s if self.inclusive else t.time_ns > s)]
        page = rows[: self.page_size]
        rng = random.Random(self.seed * 7919 + self.calls)
        if self.short and len(page) == self.page_size:
            page = page[: rng.randrange(1, self.page_size)]
            self._drop_cut_run(page, rows)
        if self.trim and len(page) == self.page_size:
            self._drop_cut_run(page, rows)
        last = page[-1].time_ns if page else s
        return FakePage([_fake(t) for t in page], str(last))

    @staticmethod
    def _drop_cut_run(page: list[StoredTrade], rows: list[StoredTrade]) -> None:
        if len(rows) > len(page) and rows[len(page)].time_ns == page[-1].time_ns:
            run = page[-1].time_ns
            kept = [t for t in page if t.time_ns != run]
            # a run that alone fills the page is served whole (as the sandbox does)
            page[:] = kept or [t for t in rows if t.time_ns == run]


def _fake(t: StoredTrade) -> FakeTrade:
    # times go over the wire as Decimal seconds (the client parses with parse_float=Decimal)
    return FakeTrade(
        t.trade_id,
        Decimal(t.time_ns).scaleb(-9),
        Decimal(t.price),
        Decimal(t.volume),
        t.side,
        t.ord_type,
        t.misc,
    )
