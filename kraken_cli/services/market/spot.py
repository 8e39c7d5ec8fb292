"""Public market-data use cases: status and clock skew, symbols, ticker, book, trades, candles."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.errors import KrakenError, UsageError
from kraken_cli.models.intervals import Interval
from kraken_cli.models.market import BookLevel, Candle, OrderBook, Ticker, Trade, parse_ticker
from kraken_cli.models.symbols import Asset, Pair
from kraken_cli.services.market.symbols import SymbolResolver

if TYPE_CHECKING:
    import httpx

    from kraken_cli.config.settings import Settings

#: Kraken's OHLC endpoint returns at most this many rows, the last one still forming.
OHLC_WINDOW = 720
MAX_DEPTH = 500
TRADES_PAGE = 1000


# --- clock skew (pure; `krx verify` reuses it) ------------------------------------------------


@dataclass(frozen=True)
class SkewSample:
    """One NTP-style probe: local send/receive instants and the server's time (unix seconds)."""

    t0: float
    t1: float
    server: float
    resolution: float = 1.0

    @property
    def rtt(self) -> float:
        """Round-trip time in seconds."""
        return self.t1 - self.t0

    @property
    def offset(self) -> float:
        """Server minus local clock; a whole-second source counts as ``S + resolution/2``."""
        return self.server + self.resolution / 2 - (self.t0 + self.t1) / 2

    @property
    def skew(self) -> float:
        """Local minus server clock (positive: the local clock is ahead)."""
        return -self.offset

    @property
    def uncertainty(self) -> float:
        """Half the round trip plus half the source's resolution."""
        return self.rtt / 2 + self.resolution / 2


def best_sample(samples: Sequence[SkewSample]) -> SkewSample:
    """Return the probe with the smallest round trip (the least uncertain)."""
    if not samples:
        raise ValueError("no clock samples")
    return min(samples, key=lambda s: (s.rtt, s.uncertainty))


# --- the service ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusReport:
    """Exchange status, server time and the measured local clock skew."""

    status: str
    server_time: datetime
    sample: SkewSample
    probes: int

    def to_record(self) -> dict[str, Any]:
        """Return the ``krx status`` record."""
        return {
            "status": self.status,
            "server_time": self.server_time,
            "local_time": datetime.fromtimestamp((self.sample.t0 + self.sample.t1) / 2, UTC),
            "skew_s": round(self.sample.skew, 3),
            "uncertainty_s": round(self.sample.uncertainty, 3),
            "rtt_ms": round(self.sample.rtt * 1000, 1),
            "probes": self.probes,
        }


class MarketService:
    """Public market data for one Kraken REST server."""

    def __init__(
        self,
        api: SpotPublic,
        resolver: SymbolResolver,
        *,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.resolver = resolver
        self._wall = wall

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        debug_log: Callable[[str], None] | None = None,
        cache_dir: Path | None = None,
    ) -> MarketService:
        """Build the service from Settings (URL, timeout, retries, pacing, cache TTL)."""
        from kraken_cli.config.settings import cache_dir as default_cache_dir

        opts = settings.krx
        rest_url = settings.endpoints.rest_url
        http = KrakenHttp(
            rest_url,
            transport=transport,
            timeout=opts.timeout_s,
            retry=RetryPolicy(max_attempts=max(1, opts.max_retries + 1)),
            pacer=PublicPacer(opts.public_calls_per_s, max_wait_s=opts.max_pacing_wait_s),
            debug_log=debug_log,
        )
        api = SpotPublic(http)
        resolver = SymbolResolver(
            api, rest_url, cache_dir=cache_dir or default_cache_dir(), ttl_s=opts.cache_ttl_s
        )
        return cls(api, resolver)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.api.http.close()

    def now(self) -> datetime:
        """Return the service's notion of the current UTC time."""
        return datetime.fromtimestamp(self._wall(), UTC)

    # -- status ------------------------------------------------------------------------------

    def status(self) -> StatusReport:
        """Probe SystemStatus once and Time twice; keep the lowest-RTT skew sample."""
        http = self.api.http
        status = self.api.system_status()
        samples = [self._sample(http, status.timestamp.timestamp())]
        server_time = status.timestamp
        for _ in range(2):
            server = self.api.time()
            samples.append(self._sample(http, float(server.unixtime)))
            server_time = datetime.fromtimestamp(server.unixtime, UTC)
        return StatusReport(status.status, server_time, best_sample(samples), len(samples))

    @staticmethod
    def _sample(http: KrakenHttp, server: float) -> SkewSample:
        t0, t1 = http.last_span or (server, server)
        return SkewSample(t0, t1, server, 1.0)

    # -- symbols and assets ------------------------------------------------------------------

    def symbols(self, quote: str | None = None) -> list[Pair]:
        """List spot pairs, optionally only those quoted in ``quote``."""
        return self.resolver.index().filter(quote=quote)

    def assets(self) -> list[Asset]:
        """List assets by canonical code."""
        return sorted(self.resolver.index().assets.values(), key=lambda a: (a.code, a.id))

    # -- ticker and book -----------------------------------------------------------------------

    def ticker(self, symbols: Sequence[str]) -> list[Ticker]:
        """Return the tickers of several symbols with one request, in the order asked."""
        pairs = self.resolver.resolve_many(symbols)
        raw = self.api.ticker([p.altname for p in pairs])
        index = self.resolver.index()
        by_key: dict[str, Any] = {}
        for key, entry in raw.items():
            found = index.lookup(key)
            by_key[found.key if found else key] = entry
        out = []
        for pair in pairs:
            entry = by_key.get(pair.key)
            if entry is None and len(raw) == 1 and len(pairs) == 1:
                entry = next(iter(raw.values()))
            if entry is None:
                raise KrakenError(
                    f"Kraken returned no ticker for {pair.symbol}",
                    hint="the pair may be halted; see `krx status`",
                )
            out.append(parse_ticker(entry, pair.symbol))
        return out

    def orderbook(self, symbol: str, depth: int = 10) -> OrderBook:
        """Return the top ``depth`` levels per side with Kraken's checksum at pair precision."""
        if not 1 <= depth <= MAX_DEPTH:
            raise UsageError(f"--depth must be 1..{MAX_DEPTH}, got {depth}")
        pair = self.resolver.resolve(symbol)
        snap = self.api.depth(pair.altname, depth)
        bids, asks = tuple(snap.bids[:depth]), tuple(snap.asks[:depth])
        checksum = book_checksum_at(bids, asks, pair.pair_decimals, pair.lot_decimals)
        return OrderBook(pair.symbol, bids, asks, checksum)

    # -- trades ------------------------------------------------------------------------------

    def trades(
        self,
        symbol: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Trade]:
        """Yield trades in time order, paging with the ``last`` cursor (no gap, no repeat).

        Without ``since``: the most recent trades (``limit`` of them, default 1000).
        With ``since``: every trade from then on, until ``until``/``limit``/the present.
        """
        if limit is not None and limit < 1:
            raise UsageError("--limit must be at least 1")
        pair = self.resolver.resolve(symbol)
        if since is None:
            count = min(limit or TRADES_PAGE, TRADES_PAGE)
            page = self.api.trades(pair.altname, pair.symbol, count=count)
            rows = [t for t in page.trades if until is None or t.time < _unix(until)]
            yield from rows[-limit:] if limit else rows
            return
        # a range the local store holds (REST downloads, archive imports) needs no Kraken call
        from kraken_cli.services.history.stored_trades import trades_from_store

        stored = trades_from_store(pair, self.api.http.base_url, since, until, limit)
        if stored is not None:
            yield from stored
            return
        yield from page_trades(
            lambda cursor: self.api.trades(pair.altname, pair.symbol, since=cursor),
            since=_unix(since),
            until=_unix(until) if until else None,
            limit=limit,
        )

    # -- candles -----------------------------------------------------------------------------

    def get_candles(
        self,
        symbol: str,
        interval: Interval,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        partial: bool = False,
        fill: bool = False,
    ) -> Iterator[Candle]:
        """Yield candles with open time in [since, until); the forming candle only if ``partial``.

        ``fill`` adds flat candles for intervals without trades (services/history/fill.py).
        """
        rows = self._candles(symbol, interval, since, until, partial=partial)
        if not fill:
            yield from rows
            return
        from kraken_cli.services.history.fill import fill_candles

        now = int(self._wall())
        # up to the forming candle (included only with partial), and never past --until
        end = interval.open_time(now)
        end = interval.next_open(end) if partial else end
        if until is not None:
            end = min(end, int(until.timestamp()))
        yield from fill_candles(rows, interval, end)

    def _candles(
        self,
        symbol: str,
        interval: Interval,
        since: datetime | None,
        until: datetime | None,
        *,
        partial: bool,
    ) -> Iterator[Candle]:
        """Yield the candles Kraken (or the trade history) has: intervals without trades omitted.

        Within Kraken's 720-row OHLC window the candles come from OHLC. Older ranges and
        non-native intervals are the history service's job (see the marked branch below).
        """
        pair = self.resolver.resolve(symbol)
        now = int(self._wall())
        since_ts = interval.open_time(int(since.timestamp())) if since else None
        until_ts = int(until.timestamp()) if until else None
        native = interval.kraken_native
        window_start = (
            interval.open_time(now) - (OHLC_WINDOW - 1) * interval.seconds if native else now
        )
        if not native or (since_ts is not None and since_ts < window_start):
            # >>> HISTORY BRANCH (history engineer): beyond the OHLC window and for intervals
            # Kraken does not serve (h2, month), candles are built from trades kept in the
            # local store (services/history/candles.py), with OHLC past the seam.
            from kraken_cli.services.history.candles import history_candles

            yield from history_candles(
                self.api,
                pair,
                interval,
                since_ts,
                until_ts,
                now=now,
                window_start=window_start,
                partial=partial,
            )
            return
            # <<< HISTORY BRANCH
        page = self.api.ohlc(pair.altname, pair.symbol, interval.minutes)
        yield from select_candles(page.candles, page.last, since_ts, until_ts, partial=partial)


def _beyond_window(interval: Interval, since_ts: int | None, window_start: int) -> UsageError:
    if not interval.kraken_native:
        return UsageError(
            f"interval {interval.name} is not served by Kraken's OHLC endpoint",
            hint="use a native interval (min1 min5 min15 min30 h1 h4 day week 15d) for now",
        )
    start = datetime.fromtimestamp(window_start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return UsageError(
        f"--since is beyond the 720-candle OHLC window for {interval.name} (starts {start})",
        hint=f"use --since {start} or later, or a longer interval",
    )


def select_candles(
    candles: Sequence[Candle],
    last: int | None,
    since_ts: int | None,
    until_ts: int | None,
    *,
    partial: bool = False,
) -> Iterator[Candle]:
    """Filter OHLC rows to [since, until), dropping the forming candle unless ``partial``.

    Kraken's ``last`` is the open time of the last committed candle; rows after it are still
    forming. Without ``last`` the final row is taken to be the forming one. Rows are deduped by
    open time and sorted.
    """
    committed = (
        last if last is not None else (max(c.time for c in candles) - 1 if candles else None)
    )
    seen: set[int] = set()
    for candle in sorted(candles, key=lambda c: c.time):
        if candle.time in seen:
            continue
        seen.add(candle.time)
        if not partial and committed is not None and candle.time > committed:
            continue
        if since_ts is not None and candle.time < since_ts:
            continue
        if until_ts is not None and candle.time >= until_ts:
            continue
        yield candle


def page_trades(
    fetch: Callable[[str], Any],
    *,
    since: Decimal,
    until: Decimal | None = None,
    limit: int | None = None,
    max_pages: int = 1_000_000,
) -> Iterator[Trade]:
    """Page ``Trades`` from ``since`` with the ``last`` cursor; dedupe by trade_id (or content).

    ``fetch(cursor)`` returns a page with ``.trades`` and ``.last``. The first cursor is unix
    seconds; later ones are Kraken's nanosecond ``last``. Stops at ``until`` (exclusive),
    ``limit``, an empty page or a cursor that no longer moves.
    """
    cursor = str(int(since))
    last_id: int | None = None
    boundary: set[tuple[Any, ...]] = set()
    boundary_time: Decimal | None = None
    emitted = 0
    for _ in range(max_pages):
        page = fetch(cursor)
        for trade in page.trades:
            if trade.time < since:
                continue
            if until is not None and trade.time >= until:
                return
            if trade.trade_id is not None:
                if last_id is not None and trade.trade_id <= last_id:
                    continue
                last_id = trade.trade_id
            else:
                key = (trade.time, trade.price, trade.volume, trade.side, trade.ord_type)
                if key in boundary:
                    continue
                if trade.time != boundary_time:
                    boundary, boundary_time = set(), trade.time
                boundary.add(key)
            yield trade
            emitted += 1
            if limit is not None and emitted >= limit:
                return
        if not page.trades or not page.last or page.last == cursor:
            return
        cursor = page.last


def book_checksum_at(
    bids: Sequence[BookLevel], asks: Sequence[BookLevel], price_decimals: int, lot_decimals: int
) -> int:
    """Return Kraken's CRC32 book checksum of the top 10 levels at the pair's precision."""
    from kraken_cli.client.checksum import book_checksum, pad_decimal

    def fmt(levels: Sequence[BookLevel]) -> list[tuple[str, str]]:
        return [
            (
                pad_decimal(format(lv.price, "f"), price_decimals),
                pad_decimal(format(lv.volume, "f"), lot_decimals),
            )
            for lv in levels[:10]
        ]

    return book_checksum(fmt(asks), fmt(bids))


def _unix(moment: datetime) -> Decimal:
    return Decimal(str(moment.timestamp()))
