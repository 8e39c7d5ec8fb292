"""Candle history beyond Kraken's 720-row OHLC window: trades -> local store -> candles.

Flow: find the parts of the range the store does not cover, page ``Trades`` through them with
the nanosecond ``last`` cursor (each page committed with its coverage in one transaction), then
stream the stored trades through :mod:`kraken_cli.services.history.aggregate` in one pass.

Cursor rule (PROTOCOL §1.8, peers pain point 5): a page fetched with ``since=S`` that answers
``last=L`` proves every trade with ``S < t < L`` complete; the trades AT ``L`` may continue on the
next page if Kraken ever split a run of equal timestamps, so the next request asks for
``since=L-1`` and the store drops the repeats by ``trade_id``. Only a FULL page can
have been cut that way (a short page holds everything up to ``last``), so only full pages pay
the size of one timestamp run (about 0.1 % more calls). This makes the download correct whether
Kraken's ``since`` is inclusive or exclusive and wherever it cuts a page.

The progress callback is injected (the CLI draws a rich bar; services never import rich).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from kraken_cli.models.intervals import MONTH
from kraken_cli.models.market import Candle, Trade
from kraken_cli.models.numbers import reply_of
from kraken_cli.models.trade_rows import TradeRow, TradeRowsPage, trade_row
from kraken_cli.services.history.aggregate import (
    NS,
    period_end,
    period_start,
)
from kraken_cli.services.history.select import forming_by_clock, forming_by_ohlc, select_candles
from kraken_cli.services.history.store import TradeStore

if TYPE_CHECKING:
    from kraken_cli.client.spot_public import SpotPublic
    from kraken_cli.models.intervals import Interval
    from kraken_cli.models.symbols import Pair

DEFAULT_REST_HOST = "api.kraken.com"
PAGE_SIZE = 1000


class TradesPageLike(Protocol):
    """One ``Trades`` answer: parsed trades and the ns ``last`` cursor."""

    @property
    def trades(self) -> Sequence[Trade]: ...
    @property
    def last(self) -> str: ...


FetchTrades = Callable[[str], TradeRowsPage | TradesPageLike]
"""``fetch(since)`` -> one page (store rows, or parsed trades); ``since``: a ns cursor string."""


@dataclass(frozen=True)
class HistoryProgress:
    """A progress report: trades and calls so far, and how much of the range is downloaded."""

    pair: str
    calls: int
    trades: int
    done_ns: int
    total_ns: int
    cursor_ns: int
    finished: bool = False
    #: The pair as the user knows it (``BTC/USD``), for display; ``pair`` is the store's name.
    label: str = ""


ProgressCallback = Callable[[HistoryProgress], None]


@dataclass
class HistoryStats:
    """Counters of one history query (``KRX_DEBUG`` prints them)."""

    calls: int = 0
    trades_added: int = 0
    trades_seen: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)


# -- store location and naming -------------------------------------------------------------------
def store_path(cache_dir: Path) -> Path:
    """Return the trade store's file: ``<cache dir>/trades.sqlite``."""
    return cache_dir / "trades.sqlite"


def store_pair_name(pair_key: str, rest_url: str) -> str:
    """Return the store's name for a pair: the Kraken key, qualified when not api.kraken.com.

    A sandbox or another server has its own tape, so its trades never mix with Kraken's.
    """
    host = urlsplit(rest_url).netloc or rest_url
    if host == DEFAULT_REST_HOST:
        return pair_key
    if len(host) <= 40:
        return f"{pair_key}@{host}"
    import hashlib  # rare (a long host name): not on every candle query's start-up

    tag = hashlib.sha256(host.encode()).hexdigest()[:12]
    return f"{pair_key}@{tag}"


# -- download ------------------------------------------------------------------------------------
def sync_trades(
    store: TradeStore,
    pair: str,
    start_ns: int,
    end_ns: int,
    fetch: FetchTrades,
    *,
    progress: ProgressCallback | None = None,
    stats: HistoryStats | None = None,
    page_size: int = PAGE_SIZE,
    label: str = "",
) -> HistoryStats:
    """Make the store hold every trade with ``start_ns <= t < end_ns``; fetch only the gaps.

    ``label`` names the pair in progress reports (the store's ``pair`` name is internal).
    """
    stats = stats if stats is not None else HistoryStats()
    gaps = store.missing(pair, start_ns - 1, end_ns - 1)
    stats.gaps = list(gaps)
    total = sum(b - a for a, b in gaps)
    done = 0

    def report(cursor: int, finished: bool = False) -> None:
        if progress is not None:
            progress(
                HistoryProgress(
                    pair,
                    stats.calls,
                    stats.trades_added,
                    done,
                    total,
                    cursor,
                    finished,
                    label or pair,
                )
            )

    inclusive = False  # learnt from the server: does ``since`` include trades AT since?
    for lo, hi in gaps:
        cursor = lo  # invariant: every trade in (lo, cursor] is in the store
        while cursor < hi:
            page = fetch(str(cursor + 1 if inclusive else cursor))
            stats.calls += 1
            rows = page.rows if isinstance(page, TradeRowsPage) else _rows_of(page)
            stats.trades_seen += len(rows)
            if not rows:
                break  # nothing after the cursor yet: the head of the tape
            # Kraken's ``last`` is exact ns; a row's time went through a 7-digit float
            last = int(page.last) if page.last else rows[-1][1]
            if last <= cursor:
                # the run AT the cursor came again: ``since`` is inclusive on this server
                stats.trades_added += store.add_page(pair, rows, cursor, cursor)
                if inclusive:
                    break
                inclusive = True
                continue
            # a full page may have been cut inside the run of trades at ``last``: ask again
            # from just before it; a short page holds everything up to ``last``
            nxt = last - 1 if len(rows) >= page_size else last
            if nxt <= cursor:
                nxt = last  # one run of equal timestamps fills a whole page: step over it
            stats.trades_added += store.add_page(pair, rows, cursor, nxt)
            done += min(nxt, hi) - cursor
            cursor = nxt
            report(cursor)
    report(end_ns, finished=True)
    return stats


def _rows_of(page: TradesPageLike) -> list[TradeRow]:
    with reply_of("Trades"):
        return [trade_row(t) for t in page.trades]


def rest_trades(api: SpotPublic, pair: Pair) -> FetchTrades:
    """Return ``fetch(since)`` paging Kraken's ``Trades`` for ``pair`` as store rows."""
    return lambda since: api.trade_rows(pair.altname, pair.symbol, since=since)


# -- candles from the store ----------------------------------------------------------------------
def now_ns() -> int:
    """Return the wall clock in nanoseconds."""
    return time.time_ns()


# -- the candles service's beyond-the-window branch ----------------------------------------------
def history_candles(
    api: SpotPublic,
    pair: Pair,
    interval: Interval,
    since_ts: int | None,
    until_ts: int | None,
    *,
    now: int,
    window_start: int,
    partial: bool = False,
    store: TradeStore | None = None,
    progress: ProgressCallback | None = None,
    stats: HistoryStats | None = None,
) -> Iterator[Candle]:
    """Yield candles with open time in [since, until) from trades, then OHLC past the seam.

    Seam rule: Kraken-native intervals take every candle that opens at or after the seam from
    OHLC and every earlier one from trades; the seam is the first OHLC candle, and never earlier
    than one interval after the window's computed start (so a few seconds of clock skew cannot
    put it outside the 720 rows). Ranges that end before the seam make no OHLC call at all.
    Intervals Kraken does not serve (h2, month) come from trades for the whole range.
    A candle still forming at ``now`` is left out unless ``partial``.
    """
    period = interval.seconds  # MONTH (0) for calendar months
    if since_ts is None:  # no start given: as many candles as one OHLC answer would hold
        since_ts = _periods_back(interval.open_time(now), period, 719)
    end = until_ts if until_ts is not None else now + 1
    ohlc: list[Candle] = []
    ohlc_last: int | None = None
    seam = end
    if interval.kraken_native:
        seam = window_start + interval.seconds
        if end > seam:
            page = api.ohlc(pair.altname, pair.symbol, interval.minutes)
            ohlc, ohlc_last = page.candles, page.last
            if ohlc:
                seam = max(seam, min(c.time for c in ohlc))
    trades_to = min(seam, end)
    if since_ts < trades_to:
        forming = None if partial else forming_by_clock(interval, now)
        for candle in _stored_candles(
            api, pair, period, since_ts, trades_to, now, progress, stats, store
        ):
            if forming is not None and candle.time >= forming:
                break
            yield candle
    if ohlc:
        forming_from = forming_by_ohlc(ohlc, ohlc_last)
        yield from select_candles(
            ohlc, max(seam, since_ts), until_ts, forming_from=forming_from, partial=partial
        )


def _stored_candles(
    api: SpotPublic,
    pair: Pair,
    period: int,
    since_ts: int,
    trades_to: int,
    now: int,
    progress: ProgressCallback | None,
    stats: HistoryStats | None,
    store: TradeStore | None,
) -> Iterator[Candle]:
    """Bring the store up to date for [since, trades_to) and yield the candles it gives."""
    from kraken_cli.config.settings import cache_dir
    from kraken_cli.services.history.candle_sources import stored_candles
    from kraken_cli.services.progress import default_progress

    # trades up to the close of the last candle that opens before ``trades_to``
    trades_end = period_end(period_start(trades_to - 1, period), period)
    db = store if store is not None else TradeStore(store_path(cache_dir()))
    try:
        name = store_pair_name(pair.key, api.http.base_url)

        def sync(start_s: int, end_s: int) -> None:
            sync_trades(
                db,
                name,
                start_s * NS,
                min(end_s, now + 1) * NS,
                rest_trades(api, pair),
                progress=progress if progress is not None else default_progress(),
                stats=stats,
                label=pair.symbol,
            )

        # archive OHLCVT rows serve what trades do not cover (services/history/candle_sources)
        for c in stored_candles(db, name, pair, period, since_ts, trades_end, sync):
            if c.time >= trades_to:
                break
            yield c
    finally:
        if store is None:
            db.close()


def _periods_back(open_ts: int, period: int, count: int) -> int:
    if period != MONTH:
        return open_ts - count * period
    t = open_ts
    for _ in range(min(count, 23)):  # two years of months
        t = period_start(t - 1, MONTH)
    return t
