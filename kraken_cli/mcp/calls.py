"""Every service call ``krx mcp`` makes, one method per tool; each returns JSON-ready data.

This is the one module that knows the service interfaces: it opens them exactly as the CLI
commands do (``open_market_data``, ``open_account``, ``run_verify``) and returns the records
``--format json`` prints (``to_record()``, then ``output.render.plain``). Request rules (time
windows, limits, segment options) live behind those interfaces, so both front ends share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kraken_cli.errors import UsageError
from kraken_cli.models.segment import Market, parse_market
from kraken_cli.output.cells import plain
from kraken_cli.services.market.request import Window

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.account import Account
    from kraken_cli.services.history.archived_trades import ArchiveLookup
    from kraken_cli.services.market import MarketData
    from kraken_cli.services.trading import Trading

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
    #: where spot candles find the Parquet archive (wired by the CLI, as for ``krx candles``)
    archive_lookup: ArchiveLookup | None = None

    # -- sessions, opened like the CLI's ------------------------------------------------------
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
    def account(self, market: str | None = None) -> Iterator[Account]:
        """Yield the account service of the call's segment."""
        from kraken_cli.services.account import open_account

        chosen = self.market(market)
        with open_account(self.settings, chosen, debug_log=self.debug_log) as service:
            yield service

    @contextmanager
    def trading(self, market: str | None = None) -> Iterator[Trading]:
        """Yield the trading service of the call's segment."""
        from kraken_cli.services.trading import open_trading

        chosen = self.market(market)
        with open_trading(self.settings, chosen, debug_log=self.debug_log) as service:
            yield service

    # -- market data (one interface whatever the segment) ----------------------------------
    @contextmanager
    def market_data(self, market: str | None = None) -> Iterator[MarketData]:
        """Yield the market-data service of the call's segment."""
        from kraken_cli.services.market import open_market_data

        with open_market_data(
            self.settings,
            self.market(market),
            debug_log=self.debug_log,
            archive_lookup=self.archive_lookup,
        ) as service:
            yield service

    def status(self) -> Records:
        """Return system status, server time and clock skew."""
        with self.market_data(Market.SPOT) as md:
            return rows([md.status().to_record()])

    def symbols(self, quote: str | None = None, market: str | None = None) -> Records:
        """Return the tradable pairs (spot, margin-capable, or futures contracts)."""
        with self.market_data(market) as md:
            return rows(p.to_record() for p in md.symbols(quote))

    def assets(self) -> Records:
        """Return the asset list."""
        with self.market_data(Market.SPOT) as md:
            return rows(a.to_record() for a in md.assets())

    def ticker(self, symbols: list[str], market: str | None = None) -> Records:
        """Return one ticker row per symbol."""
        with self.market_data(market) as md:
            return rows(t.to_record() for t in md.ticker(symbols))

    def orderbook(self, symbol: str, depth: int = 10, market: str | None = None) -> Any:
        """Return the book as ``--format json`` prints it: symbol, bids, asks, checksum."""
        with self.market_data(market) as md:
            return plain(md.orderbook(symbol, depth).to_object())

    def trades(
        self,
        symbol: str,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
        market: str | None = None,
    ) -> Records:
        """Return public trades: the latest, or every trade from ``since`` (paged)."""
        with self.market_data(market) as md:
            return rows(t.to_record() for t in md.trades(symbol, Window(since, until), limit))

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
        window = Window(since, until, days)
        with self.market_data(market) as md:
            found = md.candles(
                symbol, interval, window, partial=partial, fill=fill, tick_type=tick_type
            )
            return rows(c.to_record() for c in found)

    # -- account (one interface whatever the segment) ------------------------------------------
    def balance(self, market: str | None = None) -> Records:
        """Return balances: balance, hold and available per asset."""
        with self.account(market) as account:
            return rows(b.to_record() for b in account.balances())

    def valued_balance(self, quote: str = "USD") -> Records:
        """Return spot balances valued in ``quote`` at each pair's last price."""
        from kraken_cli.services.account.valuation import valued_balances

        with self.account(Market.SPOT.value) as account, self.market_data("spot") as md:
            return rows(r.to_record() for r in valued_balances(account, md, quote).rows)

    def fees(self, symbols: list[str] | None = None) -> Records:
        """Return the key's fee tier on each symbol (BTC/USD when none)."""
        from kraken_cli.services.account.valuation import fee_tiers

        with self.account(Market.SPOT.value) as account, self.market_data("spot") as md:
            return rows(t.to_record() for t in fee_tiers(account, md, symbols or []))

    def trade_balance(self, asset: str = "ZUSD", market: str | None = None) -> Records:
        """Return the margin summary in one asset (per futures account for futures)."""
        with self.account(market) as account:
            return rows(s.to_record() for s in account.trade_balance(asset))

    def open_orders(self, cl_ord_id: str | None = None, market: str | None = None) -> Records:
        """Return the open orders (only the one with ``cl_ord_id``, when given)."""
        with self.account(market) as account:
            return rows(o.to_record() for o in account.open_orders(cl_ord_id))

    def closed_orders(
        self, since: str | None = None, until: str | None = None, limit: int = 50
    ) -> Records:
        """Return closed and cancelled orders, newest first."""
        from kraken_cli.services.account import Window as Span

        span = Span.parse(since, until, limit)
        with self.account(Market.SPOT) as account:
            return rows(o.to_record() for o in account.closed_orders(span))

    def own_trades(
        self,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        market: str | None = None,
    ) -> Records:
        """Return the account's own fills, newest first."""
        from kraken_cli.services.account import Window as Span

        span = Span.parse(since, until, limit)
        with self.account(market) as account:
            return rows(t.to_record() for t in account.trades(span))

    def ledger(
        self,
        asset: str | None = None,
        kind: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
    ) -> Records:
        """Return ledger entries, newest first."""
        from kraken_cli.services.account import Window as Span

        span = Span.parse(since, until, limit)
        with self.account(Market.SPOT) as account:
            return rows(e.to_record() for e in account.ledger(span, asset, kind))

    def positions(self, market: str | None = None, consolidate: bool = False) -> Records:
        """Return open margin (or futures) positions."""
        with self.account(market) as account:
            return rows(p.to_record() for p in account.positions(consolidate))

    # -- checks and the local store -----------------------------------------------------------
    def verify(self, symbol: str | None = None, market: str | None = None) -> Records:
        """Return the verify rows (check, ok, detail); nothing is ever placed."""
        from kraken_cli.services.verify import run_verify

        report = run_verify(
            self.settings,
            self.market(market),
            explicit=market is not None,
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
