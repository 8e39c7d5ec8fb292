"""Every service call ``krx mcp`` makes, one method per tool; each returns JSON-ready data.

This is the one module that knows the service interfaces: it builds services exactly as the
CLI commands do (same constructors, so the same per-key nonce lock and REST counter) and
returns the records ``--format json`` prints (``to_record()``, then ``output.render.plain``).
Rules (time windows, limits, option checks) are the shared functions the CLI calls too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kraken_cli.errors import UsageError
from kraken_cli.models.segment import Market, parse_market
from kraken_cli.output.render import plain

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.account.spot import AccountService
    from kraken_cli.services.market.spot import MarketService

Records = list[dict[str, Any]]


@dataclass
class Calls:
    """The read and trading calls of one ``krx mcp`` server, over one Settings."""

    settings: Settings
    default_market: Market = Market.SPOT
    debug_log: Callable[[str], None] | None = None
    #: runs one confined SELECT over the archive (wired by the CLI: the archive is a sibling
    #: front end, so krx mcp gets it injected); None when the archive extra is missing
    query_archive: Callable[[str], Iterable[Mapping[str, Any]]] | None = None

    # -- sessions, built like the CLI's -----------------------------------------------------
    def market(self, text: str | None, allowed: tuple[Market, ...] = tuple(Market)) -> Market:
        """Return the segment a call targets (the server's default when not given)."""
        chosen = parse_market(text) if text else self.default_market
        if chosen not in allowed:
            raise UsageError(
                f"this tool has no {chosen} variant",
                hint="use market " + " or ".join(allowed),
            )
        return chosen

    @contextmanager
    def spot(self) -> Iterator[MarketService]:
        """Yield the public spot market service."""
        from kraken_cli.services.market.spot import MarketService

        service = MarketService.from_settings(self.settings, debug_log=self.debug_log)
        try:
            yield service
        finally:
            service.close()

    @contextmanager
    def futures(self) -> Iterator[Any]:
        """Yield the Kraken Futures REST client (futures keys only; built by the services)."""
        from kraken_cli.services.market.futures import futures_client

        with futures_client(self.settings, debug_log=self.debug_log) as client:
            yield client

    @contextmanager
    def private(self) -> Iterator[Any]:
        """Yield the signed spot client (per-key nonce lock and shared REST counter)."""
        from kraken_cli.services.account.spot import open_private

        api = open_private(self.settings, debug_log=self.debug_log)
        try:
            yield api
        finally:
            api.close()

    def account(self, api: Any) -> AccountService:
        """Return the spot AccountService over ``api`` with the cached asset/pair names."""
        from kraken_cli.services.account.spot import AccountService, load_names

        return AccountService(api, load_names(self.settings, self.debug_log))

    # -- market data --------------------------------------------------------------------------
    def status(self) -> Records:
        """Return system status, server time and clock skew."""
        with self.spot() as svc:
            return rows([svc.status().to_record()])

    def symbols(self, quote: str | None = None, market: str | None = None) -> Records:
        """Return the tradable pairs (spot, margin-capable, or futures contracts)."""
        chosen = self.market(market)
        if chosen == Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self.futures() as fc:
                return rows(fm.symbols(fc, quote=quote))
        margin_only = chosen == Market.MARGIN
        with self.spot() as svc:
            pairs = svc.symbols(quote)
        return rows(p.to_record() for p in pairs if not margin_only or p.marginable)

    def assets(self) -> Records:
        """Return the asset list."""
        with self.spot() as svc:
            return rows(a.to_record() for a in svc.assets())

    def ticker(self, symbols: list[str], market: str | None = None) -> Records:
        """Return one ticker row per symbol."""
        if self.market(market) == Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self.futures() as fc:
                return rows(fm.ticker(fc, symbols))
        with self.spot() as svc:
            return rows(t.to_record() for t in svc.ticker(symbols))

    def orderbook(self, symbol: str, depth: int = 10, market: str | None = None) -> Any:
        """Return the book as ``--format json`` prints it: symbol, bids, asks, checksum."""
        if self.market(market) == Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self.futures() as fc:
                return plain(fm.orderbook(fc, symbol, depth))
        with self.spot() as svc:
            return plain(svc.orderbook(symbol, depth).to_object())

    def trades(
        self,
        symbol: str,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
        market: str | None = None,
    ) -> Records:
        """Return public trades: the latest, or every trade from ``since`` (paged)."""
        from kraken_cli.models.times import time_window

        start, end = time_window(since, until)
        if self.market(market) == Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self.futures() as fc:
                return rows(fm.trades(fc, symbol, since=start, until=end, limit=limit))
        with self.spot() as svc:
            return rows(t.to_record() for t in svc.trades(symbol, start, end, limit))

    def candles(
        self,
        symbol: str,
        interval: str,
        days: float | None = None,
        since: str | None = None,
        until: str | None = None,
        partial: bool = False,
        fill: bool = False,
        market: str | None = None,
        tick_type: str = "trade",
    ) -> Records:
        """Return OHLC candles over any range (trade history beyond Kraken's 720 rows)."""
        from kraken_cli.models.intervals import parse_interval
        from kraken_cli.models.times import time_window, utc_now

        chosen = self.market(market)
        now = utc_now()
        start, end = time_window(since, until, days=days, now=now)
        parsed = parse_interval(interval)
        if chosen == Market.FUTURES:
            if fill:
                raise UsageError("fill applies to spot candles", hint="drop fill for futures")
            from kraken_cli.services.market import futures as fm

            with self.futures() as fc:
                found = fm.candles(fc, symbol, parsed, since=start, until=end, tick_type=tick_type)
            return rows(found if partial else fm.drop_forming(found, parsed, now))
        with self.spot() as svc:
            found_spot = svc.get_candles(symbol, parsed, start, end, partial=partial, fill=fill)
            return rows(c.to_record() for c in found_spot)

    # -- account ------------------------------------------------------------------------------
    def balance(self, market: str | None = None) -> Records:
        """Return balances: balance, hold and available per asset."""
        if self.market(market) == Market.FUTURES:
            from kraken_cli.services.account import futures as fa

            with self.futures() as fc:
                return rows(fa.balances(fc))
        with self.private() as api:
            return rows(b.to_record() for b in self.account(api).balances())

    def trade_balance(self, asset: str = "ZUSD", market: str | None = None) -> Records:
        """Return the margin summary in one asset (per futures account for futures)."""
        chosen = self.market(market)
        if chosen == Market.FUTURES:
            from kraken_cli.services.account import futures as fa

            with self.futures() as fc:
                return rows(fa.margin_summary(fc))
        with self.private() as api:
            account = self.account(api)
            if chosen == Market.MARGIN:
                from kraken_cli.services.account import margin

                return rows([margin.trade_balance(api, asset, account.names)])
            return rows([account.trade_balance(asset)])

    def open_orders(self, cl_ord_id: str | None = None, market: str | None = None) -> Records:
        """Return the open orders (only the one with ``cl_ord_id``, when given)."""
        if self.market(market) == Market.FUTURES:
            from kraken_cli.services.account import futures as fa

            with self.futures() as fc:
                return rows(fa.open_orders(fc, cl_ord_id))
        with self.private() as api:
            return rows(o.to_record() for o in self.account(api).open_orders(cl_ord_id))

    def closed_orders(
        self, since: str | None = None, until: str | None = None, limit: int = 50
    ) -> Records:
        """Return closed and cancelled orders, newest first."""
        from kraken_cli.services.account.spot import window

        span = window(since, until, limit)
        with self.private() as api:
            return rows(o.to_record() for o in self.account(api).closed_orders(span))

    def own_trades(
        self,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        market: str | None = None,
    ) -> Records:
        """Return the account's own fills, newest first."""
        from kraken_cli.services.account.spot import window

        if self.market(market) == Market.FUTURES:
            from kraken_cli.services.account import futures as fa

            with self.futures() as fc:
                return rows(fa.fills(fc, limit=limit))
        span = window(since, until, limit)
        with self.private() as api:
            return rows(t.to_record() for t in self.account(api).trades(span))

    def ledger(
        self,
        asset: str | None = None,
        kind: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
    ) -> Records:
        """Return ledger entries, newest first."""
        from kraken_cli.services.account.spot import window

        span = window(since, until, limit)
        with self.private() as api:
            return rows(e.to_record() for e in self.account(api).ledger(span, asset, kind))

    def positions(self, market: str | None = None, consolidate: bool = False) -> Records:
        """Return open margin (or futures) positions."""
        chosen = self.market(market)
        if chosen == Market.FUTURES:
            from kraken_cli.services.account import futures as fa

            with self.futures() as fc:
                return rows(fa.positions(fc))
        with self.private() as api:
            account = self.account(api)
            if chosen == Market.MARGIN or consolidate:
                from kraken_cli.services.account import margin

                return rows(margin.positions(api, consolidate=consolidate, names=account.names))
            return rows(p.to_record() for p in account.positions())

    # -- checks and the local store -----------------------------------------------------------
    def verify(self, symbol: str | None = None, market: str | None = None) -> Records:
        """Return the verify rows (check, ok, detail); nothing is ever placed."""
        from kraken_cli.services.verify_all import run_verify

        report = run_verify(
            self.settings,
            self.market(market),
            market_given=market is not None,
            symbol=symbol,
            debug_log=self.debug_log,
        )
        return rows(c.to_record() for c in report.checks)

    def cache_info(self) -> Records:
        """Return the local trade store's per-pair summary."""
        from kraken_cli.config.settings import cache_dir
        from kraken_cli.services.history.candles import store_path
        from kraken_cli.services.history.store import TradeStore, summary_records

        with TradeStore(store_path(cache_dir())) as store:
            return rows(summary_records(store))

    def query(self, sql: str) -> Records:
        """Return the rows of one SELECT over the archive (confined to the archive)."""
        if self.query_archive is None:
            raise UsageError("no archive to query", hint="install the 'archive' extra")
        return rows(self.query_archive(sql))


def rows(records: Any) -> Records:
    """Return records as JSON-native dicts (exact decimal strings, ISO UTC times)."""
    return [plain(r) for r in records]
