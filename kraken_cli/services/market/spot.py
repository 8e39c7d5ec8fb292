"""Spot (and margin) market data: Kraken's public REST API behind the MarketData interface.

Margin trades on the spot order books; as a segment it only narrows ``symbols`` to the pairs
that can be traded with leverage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.errors import ProtocolError
from kraken_cli.models.numbers import reply_of
from kraken_cli.models.segment import Market
from kraken_cli.services.market.request import (
    ANY_TIME,
    Session,
    Window,
    check_depth,
    check_limit,
    limited,
    refuse_tick_type,
)
from kraken_cli.services.market.symbols import SymbolResolver

# Start-up (issue 17): a one-shot command imports only what it uses, so what serves status,
# trades and candles is imported by those methods (a dataclass costs ~0.5 ms to create).
if TYPE_CHECKING:
    import httpx

    from kraken_cli.config.settings import Settings
    from kraken_cli.models.intervals import Interval
    from kraken_cli.models.market import Candle, Trade
    from kraken_cli.models.orderbook import BookLevel, OrderBook
    from kraken_cli.models.symbols import Asset, Pair
    from kraken_cli.models.ticker import Ticker
    from kraken_cli.services.explain import Note
    from kraken_cli.services.history.archived_trades import ArchiveLookup, TradeArchive
    from kraken_cli.services.market.status import SkewSample, StatusReport

#: Kraken's OHLC endpoint returns at most this many rows, the last one still forming.
OHLC_WINDOW = 720
TRADES_PAGE = 1000


class SpotMarketData(Session):
    """Public market data for one Kraken spot REST server (spot or margin segment)."""

    def __init__(
        self,
        api: SpotPublic,
        resolver: SymbolResolver,
        *,
        market: Market = Market.SPOT,
        wall: Callable[[], float] = time.time,
        trade_archive: TradeArchive | None = None,
        archive_lookup: ArchiveLookup | None = None,
    ) -> None:
        super().__init__(wall)
        self.api = api
        self.resolver = resolver
        self.market = market
        #: the Parquet archive candles may come from; a front end that has one hands in its
        #: lookup (run on the first candle request only)
        self.trade_archive = trade_archive
        self._archive_lookup = archive_lookup

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        market: Market = Market.SPOT,
        transport: httpx.BaseTransport | None = None,
        debug_log: Callable[[str], None] | None = None,
        cache_dir: Path | None = None,
        archive_lookup: ArchiveLookup | None = None,
    ) -> SpotMarketData:
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
        return cls(api, resolver, market=market, archive_lookup=archive_lookup)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.api.http.close()

    # -- status ------------------------------------------------------------------------------

    def status(self) -> StatusReport:
        """Probe SystemStatus once and Time twice; keep the lowest-RTT skew sample."""
        from kraken_cli.services.market.status import StatusReport, best_sample

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
        from kraken_cli.services.market.status import SkewSample

        t0, t1 = http.last_span or (server, server)
        return SkewSample(t0, t1, server, 1.0)

    # -- symbols and assets ------------------------------------------------------------------

    def resolve(self, symbol: str) -> Pair:
        """Return the pair any spelling names (``BTCUSDT``, ``xbt/usdt``, ``XBTUSDT``)."""
        return self.resolver.resolve(symbol)

    def symbols(self, quote: str | None = None) -> list[Pair]:
        """List the segment's pairs (margin: leverage pairs only), optionally of one quote."""
        from kraken_cli.services.explain import filtered_list

        pairs = self.resolver.index().filter(quote=quote)
        if self.market is Market.MARGIN:
            pairs = [p for p in pairs if p.marginable]
        what = f"no {self.market.value} pair is quoted in {quote}" if quote else None
        return filtered_list(pairs, what)

    def assets(self) -> list[Asset]:
        """List assets by canonical code."""
        return sorted(self.resolver.index().assets.values(), key=lambda a: (a.code, a.id))

    # -- ticker and book -----------------------------------------------------------------------

    def ticker(self, symbols: Sequence[str]) -> list[Ticker]:
        """Return the tickers of several symbols with one request, in the order asked."""
        from kraken_cli.models.ticker import parse_ticker

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
                raise ProtocolError(
                    "Ticker",
                    f"no entry for {pair.symbol}",
                    hint="the pair may be halted; see `krx status`",
                )
            with reply_of("Ticker"):
                out.append(parse_ticker(entry, pair.symbol))
        return out

    def orderbook(self, symbol: str, depth: int = 10) -> OrderBook:
        """Return the top ``depth`` levels per side with Kraken's checksum at pair precision."""
        from kraken_cli.models.orderbook import OrderBook

        check_depth(depth)
        pair = self.resolver.resolve(symbol)
        snap = self.api.depth(pair.altname, depth)
        bids, asks = tuple(snap.bids[:depth]), tuple(snap.asks[:depth])
        checksum = book_checksum_at(bids, asks, pair.pair_decimals, pair.lot_decimals)
        return OrderBook(pair.symbol, bids, asks, checksum)

    # -- trades ------------------------------------------------------------------------------

    def trades(
        self, symbol: str, window: Window = ANY_TIME, limit: int | None = None
    ) -> Iterator[Trade]:
        """Yield trades in time order, paging with the ``last`` cursor (no gap, no repeat).

        Without a start: the most recent trades (``limit`` of them, default 1000).
        With one: every trade from then on, until the window's end, ``limit`` or the present.
        """
        check_limit(limit)
        since, until = window.bounds(self.now())
        pair = self.resolver.resolve(symbol)
        if since is None:
            count = min(limit or TRADES_PAGE, TRADES_PAGE)
            page = self.api.trades(pair.altname, pair.symbol, count=count)
            recent = (t for t in page.trades if until is None or t.time < _unix(until))
            return limited(recent, limit, from_start=False)
        # a range the local store holds (REST downloads, archive imports) needs no Kraken call
        from kraken_cli.models.times import iso_utc
        from kraken_cli.services.explain import filtered
        from kraken_cli.services.history.stored_trades import trades_from_store
        from kraken_cli.services.market.paging import page_trades

        stored = trades_from_store(pair, self.api.http.base_url, since, until, limit)
        rows: Iterator[Trade] = (
            iter(stored)
            if stored is not None
            else page_trades(
                lambda cursor: self.api.trades(pair.altname, pair.symbol, since=cursor),
                since=_unix(since),
                until=_unix(until) if until else None,
                limit=limit,
            )
        )
        end = f"and {iso_utc(until)}" if until else "and now"
        return filtered(rows, f"no trades for {pair.symbol} between {iso_utc(since)} {end}")

    # -- candles -----------------------------------------------------------------------------

    def candles(
        self,
        symbol: str,
        interval: Interval | str,
        window: Window = ANY_TIME,
        *,
        partial: bool = False,
        fill: bool = False,
        tick_type: str = "trade",
    ) -> Iterator[Candle]:
        """Yield candles with open time in the window; the forming candle only if ``partial``.

        ``fill`` adds flat candles for intervals without trades (services/history/fill.py).
        """
        from kraken_cli.models.intervals import parse_interval
        from kraken_cli.services.explain import Explained
        from kraken_cli.services.history.select import candle_notes

        iv = parse_interval(interval) if isinstance(interval, str) else interval
        refuse_tick_type(tick_type)
        since, until = window.bounds(self.now())
        pair = self.resolver.resolve(symbol)
        rows = self._candles(pair, iv, since, until, partial=partial)
        now = int(self._wall())
        if fill:
            from kraken_cli.services.history.fill import fill_candles

            # up to the forming candle (included only with partial), and never past the end
            end = iv.open_time(now)
            end = iv.next_open(end) if partial else end
            if until is not None:
                end = min(end, int(until.timestamp()))
            rows = fill_candles(rows, iv, end)
        since_ts = iv.open_time(int(since.timestamp())) if since else None
        until_ts = int(until.timestamp()) if until else None

        def explain(seen: list[Candle]) -> list[Note]:
            first = seen[0] if seen else None
            return candle_notes(
                pair.symbol, iv, since_ts, until_ts, now, partial=partial, first=first
            )

        return Explained(rows, explain)

    def _candles(
        self,
        pair: Pair,
        interval: Interval,
        since: datetime | None,
        until: datetime | None,
        *,
        partial: bool,
    ) -> Iterator[Candle]:
        """Yield the candles Kraken (or the trade history) has: intervals without trades omitted.

        Within Kraken's 720-row OHLC window the candles come from OHLC; older ranges and
        intervals Kraken does not serve (h2, month) are built from trades by services/history.
        """
        now = int(self._wall())
        since_ts = interval.open_time(int(since.timestamp())) if since else None
        until_ts = int(until.timestamp()) if until else None
        native = interval.kraken_native
        window_start = (
            interval.open_time(now) - (OHLC_WINDOW - 1) * interval.seconds if native else now
        )
        archived = self._archived(pair, interval, since_ts, until_ts, now, window_start, partial)
        if archived is not None:
            return iter(archived)  # the archive holds every trade of the range: no Kraken call
        if not native or (since_ts is not None and since_ts < window_start):
            from kraken_cli.services.history.candles import history_candles

            return history_candles(
                self.api,
                pair,
                interval,
                since_ts,
                until_ts,
                now=now,
                window_start=window_start,
                partial=partial,
            )
        from kraken_cli.services.history.select import forming_by_ohlc, select_candles

        page = self.api.ohlc(pair.altname, pair.symbol, interval.minutes)
        forming_from = forming_by_ohlc(page.candles, page.last)
        return select_candles(
            page.candles, since_ts, until_ts, forming_from=forming_from, partial=partial
        )

    def _archived(
        self,
        pair: Pair,
        interval: Interval,
        since_ts: int | None,
        until_ts: int | None,
        now: int,
        window_start: int,
        partial: bool,
    ) -> list[Candle] | None:
        """Return the range's candles from the Parquet archive if it covers them all."""
        from kraken_cli.services.history.aggregate import Precision
        from kraken_cli.services.history.archived_trades import archived_candles

        if self._archive_lookup is not None:
            lookup, self._archive_lookup = self._archive_lookup, None
            self.trade_archive = lookup(self.api.http.base_url, self.market.value)
        if self.trade_archive is None:
            return None
        start = since_ts if since_ts is not None else window_start
        precision = Precision(pair.pair_decimals, pair.lot_decimals)
        return archived_candles(
            self.trade_archive, pair.symbol, precision, interval, start, until_ts,
            now=now, partial=partial,
        )  # fmt: skip


#: The name other modules know the spot service by.
MarketService = SpotMarketData


def book_checksum_at(
    bids: Sequence[BookLevel], asks: Sequence[BookLevel], price_decimals: int, lot_decimals: int
) -> int:
    """Return Kraken's CRC32 book checksum of the top 10 levels at the pair's precision."""
    from kraken_cli.protocol.checksum import book_checksum, pad_decimal

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
