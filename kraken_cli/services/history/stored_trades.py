"""``krx trades --since`` from the local store when it already holds the range (no Kraken call).

The store holds a range when REST downloads and archive imports together cover it (see
``TradeStore.covered``). REST rows keep their trade id, side and order type; archive rows have
none (trade_id None, side and ord_type empty), at whole-second times.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from kraken_cli.services.history.aggregate import NS
from kraken_cli.services.history.archive_store import TRADES
from kraken_cli.services.history.candles import store_pair_name, store_path
from kraken_cli.services.history.seam import Row, merge_sources
from kraken_cli.services.history.store import TradeStore

if TYPE_CHECKING:
    from kraken_cli.models.market import Trade
    from kraken_cli.models.symbols import Pair

_SIDE = {"b": "buy", "s": "sell"}
_ORD = {"m": "market", "l": "limit"}


def trades_from_store(
    pair: Pair,
    rest_url: str,
    since: datetime,
    until: datetime | None,
    limit: int | None,
    *,
    cache_dir: Path | None = None,
) -> list[Trade] | None:
    """Return the trades of ``[since, until)`` (at most ``limit``) if the store holds them all."""
    from kraken_cli.config.settings import cache_dir as default_cache_dir

    path = store_path(cache_dir or default_cache_dir())
    if not path.exists():
        return None
    start = int(Decimal(str(since.timestamp())) * NS)
    with TradeStore(path) as store:
        name = store_pair_name(pair.key, rest_url)
        run_end = _covered_run_end(store, name, start)
        if run_end is None:
            return None
        end = run_end if until is None else int(Decimal(str(until.timestamp())) * NS)
        if end > run_end:
            return None
        rows = list(islice(_rows(store, name, start, end), limit))
        if until is None and (limit is None or len(rows) < limit):
            return None  # the rest lies beyond what the store holds
        return [_trade(pair.symbol, r) for r in rows]


def _covered_run_end(store: TradeStore, name: str, start: int) -> int | None:
    """Return where the complete stretch holding ``start`` ends (exclusive ns), if any."""
    for lo, hi in store.covered(name):
        if lo < start <= hi:
            return hi + 1
    return None


def _rows(store: TradeStore, name: str, start: int, end: int) -> Iterator[Row]:
    rest = (
        (t.time_ns, t.price, t.volume, t.trade_id, t.side, t.ord_type)
        for t in store.iter_full(name, start, end)
    )
    pid = store.archive.pid(name)
    if not store.archive.ranges(pid, TRADES):
        return rest
    archive = ((*t, None, "", "") for t in store.archive.trades(pid, start, end))
    return merge_sources(rest, archive)


def _trade(symbol: str, row: Row) -> Trade:
    from kraken_cli.models.market import Trade

    t, price, volume, trade_id, side, ord_type = row
    return Trade(
        symbol,
        trade_id,
        Decimal(t).scaleb(-9).normalize() if t % NS else Decimal(t // NS),
        Decimal(price),
        Decimal(volume),
        _SIDE.get(side, ""),
        _ORD.get(ord_type, ""),
    )
