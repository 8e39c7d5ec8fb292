"""Kraken Futures market data behind the MarketData interface, and the futures REST client.

Every record carries the futures symbol (``PF_XBTUSD``); numbers keep their exact wire text
(the client parses JSON numbers with ``parse_float=str``).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Settings
from kraken_cli.errors import UsageError
from kraken_cli.models.futures import (
    FuturesIndex,
    FuturesInstrument,
    is_futures_symbol,
    unknown_futures_symbol,
)
from kraken_cli.models.futures_market import (
    FuturesTicker,
    parse_futures_book,
    parse_futures_ticker,
    parse_futures_trade,
)
from kraken_cli.models.intervals import Interval, parse_interval
from kraken_cli.models.market import Candle, Trade
from kraken_cli.models.numbers import reply_of
from kraken_cli.models.orderbook import OrderBook
from kraken_cli.models.segment import Market
from kraken_cli.models.ticker import Ticker
from kraken_cli.services.history.select import forming_by_clock, select_candles
from kraken_cli.services.market.charts import chart_candle, chart_candles, chart_opens, chart_plan
from kraken_cli.services.market.paging import page_history
from kraken_cli.services.market.request import (
    ANY_TIME,
    Session,
    Window,
    check_depth,
    check_limit,
    limited,
    refuse_fill,
)
from kraken_cli.services.market.status import StatusReport

if TYPE_CHECKING:
    from kraken_cli.services.history.archived_trades import ArchiveLookup, TradeArchive


def futures_client(
    settings: Settings,
    *,
    debug_log: Any = None,
    transport: Any = None,
    state_dir: Path | None = None,
) -> FuturesRest:
    """Build the futures REST client for ``settings`` (futures credentials only, never spot).

    Private calls draw their nonces from the persisted per-key source of ``client.nonce``
    (futures keys have their own state file), so concurrent krx processes never collide.
    """
    from kraken_cli.client.nonce import NonceSource
    from kraken_cli.config.settings import missing_key_error

    creds = settings.futures
    nonces = None
    if creds is not None and creds.key.strip():
        nonces = NonceSource(creds.key, state_dir / "keys" if state_dir is not None else None)
    return FuturesRest(
        settings.endpoints.futures_url,
        creds,
        timeout=settings.krx.timeout_s,
        transport=transport,
        nonces=nonces,
        debug_log=debug_log,
        no_credentials=(
            missing_key_error(settings.futures_undefined, "futures API key")
            if creds is None and settings.futures_undefined
            else None
        ),
    )


_INDEX_CACHE: weakref.WeakKeyDictionary[FuturesRest, FuturesIndex] = weakref.WeakKeyDictionary()


def instrument_index(client: FuturesRest) -> FuturesIndex:
    """Return the instruments index (fetched once per client)."""
    index = _INDEX_CACHE.get(client)
    if index is None:
        with reply_of("instruments"):
            index = FuturesIndex.from_wire(client.instruments())
        _INDEX_CACHE[client] = index
    return index


def resolve(client: FuturesRest, symbol: str) -> FuturesInstrument:
    """Resolve a user symbol (``BTCUSD``, ``pf_xbtusd``) to a futures instrument."""
    return instrument_index(client).resolve(symbol)


class FuturesMarketData(Session):
    """Public market data of Kraken Futures (futures.kraken.com)."""

    market = Market.FUTURES

    def __init__(
        self,
        client: FuturesRest,
        *,
        wall: Callable[[], float] = time.time,
        trade_archive: TradeArchive | None = None,
        archive_lookup: ArchiveLookup | None = None,
    ) -> None:
        super().__init__(wall)
        self.client = client
        #: the Parquet archive trade candles may come from (as spot: the lookup runs once)
        self.trade_archive = trade_archive
        self._archive_lookup = archive_lookup

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()

    def status(self) -> StatusReport:
        """Kraken Futures has no status probe here (``krx status`` is spot's)."""
        _no_futures_variant("status")

    def assets(self) -> list[Any]:
        """Kraken Futures lists no assets (``krx assets`` is spot's)."""
        _no_futures_variant("assets")

    def resolve(self, symbol: str) -> FuturesInstrument:
        """Return the instrument any spelling names (``BTCUSD`` -> ``PF_XBTUSD``)."""
        return resolve(self.client, symbol)

    def symbols(self, quote: str | None = None, base: str | None = None) -> list[FuturesInstrument]:
        """List futures instruments, optionally of one quote/base (``XBT`` or ``BTC``)."""
        from kraken_cli.services.explain import filtered_list

        chosen = instrument_index(self.client).filter(quote=quote, base=base)
        asked = " and ".join(f"{k} {v}" for k, v in (("quote", quote), ("base", base)) if v)
        return filtered_list(chosen, f"no futures instrument with {asked}" if asked else None)

    def ticker(self, symbols: Sequence[str]) -> list[Ticker]:
        """Return tickers for contracts or ``in_``/``rr_`` index rows, in the order asked."""
        with reply_of("tickers"):
            rows = [parse_futures_ticker(raw) for raw in self.client.tickers()]
        by_symbol = {t.symbol.upper(): t for t in rows}
        out: list[Ticker] = []
        for sym in self._ticker_symbols(symbols, by_symbol):
            found = by_symbol.get(sym)
            if found is None:
                raise UsageError(f"Kraken Futures has no ticker for {sym}", hint="is it expired?")
            out.append(found)
        return out

    def _ticker_symbols(self, texts: Sequence[str], rows: dict[str, FuturesTicker]) -> list[str]:
        wanted: list[str] = []
        for text in texts:
            up = text.strip().upper()
            if up.startswith(("IN_", "RR_")):
                if up not in rows:
                    raise unknown_futures_symbol(text, [])
                wanted.append(up)
            else:
                wanted.append(self.resolve(text).symbol)
        return wanted

    def orderbook(self, symbol: str, depth: int = 10) -> OrderBook:
        """Return the top ``depth`` levels per side (futures publishes no checksum)."""
        check_depth(depth)
        sym = self.resolve(symbol).symbol
        raw = self.client.orderbook(sym)
        with reply_of("orderbook"):
            return parse_futures_book(sym, raw, depth)

    def trades(
        self, symbol: str, window: Window = ANY_TIME, limit: int | None = None
    ) -> Iterator[Trade]:
        """Return public trades, oldest first, paging ``history`` back by ``lastTime``."""
        check_limit(limit)
        since, until = window.bounds(self.now())
        sym = self.resolve(symbol).symbol

        def fetch(last_time: str | None) -> list[Trade]:
            raw = self.client.history(sym, last_time)
            with reply_of("history"):
                return [parse_futures_trade(sym, t) for t in raw]

        rows = page_history(fetch, since=since, until=until)
        return limited(rows, limit, from_start=since is not None)

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
        """Return candles from the charts API; without a start, the last day.

        Trade candles over a range the Parquet archive covers are built from its trades
        instead, with no Kraken call (``chart_candle`` says which fields they fill).
        """
        iv = parse_interval(interval) if isinstance(interval, str) else interval
        refuse_fill(fill)
        now = self.now()
        since, until = window.bounds(now)
        end = until or now
        start = since or end - timedelta(days=1)
        if start >= end:
            raise UsageError("--since must be before --until")
        # a spelled-out futures symbol needs no instruments call (the charts API checks it)
        sym = symbol.upper() if is_futures_symbol(symbol) else self.resolve(symbol).symbol
        if tick_type == "trade":
            archived = self._archived(sym, iv, start, until, now, partial)
            if archived is not None:
                return iter(archived)
        rows = chart_candles(self.client, sym, iv, start, end, tick_type)
        forming = forming_by_clock(iv, int(now.timestamp()))
        return select_candles(rows, None, None, forming_from=forming, partial=partial)

    def _archived(
        self,
        symbol: str,
        iv: Interval,
        start: datetime,
        until: datetime | None,
        now: datetime,
        partial: bool,
    ) -> list[Candle] | None:
        """Return the charts' candles of the range from the archive if it covers them all."""
        if self._archive_lookup is not None:
            lookup, self._archive_lookup = self._archive_lookup, None
            self.trade_archive = lookup(self.client.base_url, self.market.value)
        if self.trade_archive is None:
            return None
        from kraken_cli.services.history.aggregate import Precision
        from kraken_cli.services.history.archived_trades import archived_candles

        chart_plan(iv)  # an interval the charts do not serve is refused either way
        lo, hi = chart_opens(iv, start, until or now)
        candles = archived_candles(
            self.trade_archive,
            symbol,
            Precision(),  # every digit the trades carry (no instruments call for tick sizes)
            iv,
            lo,
            hi if until is not None else None,
            now=int(now.timestamp()),
            partial=partial,
        )
        return None if candles is None else [chart_candle(c) for c in candles]


def _no_futures_variant(command: str) -> NoReturn:
    raise UsageError(f"{command} has no futures variant", hint="use --market spot")
