"""Where the routes get their data: the market-data services, one per segment, shared by requests.

This is the only module of ``serve`` that talks to services; handlers stay transport-only.
Services are built lazily (a route for futures builds the futures client on first use) and
reused, so the limiter, pacer and symbol cache are shared by every HTTP client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kraken_cli.config.settings import Settings
from kraken_cli.models.intervals import Interval
from kraken_cli.models.segment import Market
from kraken_cli.models.symbols import Pair
from kraken_cli.output.cells import plain
from kraken_cli.services.market import MarketData, SymbolRecord, Window, open_market_data

if TYPE_CHECKING:
    from kraken_cli.services.history.archived_trades import ArchiveLookup


class Sources:
    """The market-data service of each segment, built once and closed on shutdown."""

    def __init__(
        self,
        settings: Settings,
        *,
        debug_log: Callable[[str], None] | None = None,
        archive_lookup: ArchiveLookup | None = None,
    ):
        self.settings = settings
        self._debug_log = debug_log
        #: where spot candles find the Parquet archive (``krx serve --archive``)
        self._archive_lookup = archive_lookup
        self._lock = threading.Lock()
        self._services: dict[Market, MarketData] = {}

    def service(self, market: Market) -> MarketData:
        """Return the segment's service (built on first use, then shared by every request)."""
        with self._lock:
            found = self._services.get(market)
            if found is None:
                found = open_market_data(
                    self.settings,
                    market,
                    debug_log=self._debug_log,
                    archive_lookup=self._archive_lookup,
                )
                self._services[market] = found
            return found

    def close(self) -> None:
        """Close every service's connections."""
        for service in self._services.values():
            service.close()

    # -- the use cases --------------------------------------------------------------------------

    def candles(
        self,
        market: Market,
        symbol: str,
        interval: Interval,
        start: datetime,
        end: datetime,
        *,
        partial: bool,
    ) -> list[dict[str, Any]]:
        """Return candle records in [start, end), ascending."""
        rows = self.service(market).candles(symbol, interval, Window(start, end), partial=partial)
        return [plain(c.to_record()) for c in rows]

    def trades(
        self,
        market: Market,
        symbol: str,
        start: datetime | None,
        end: datetime | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Return trade records, ascending: the latest ``limit``, or the first from ``start``."""
        rows = self.service(market).trades(symbol, Window(start, end), limit)
        return [plain(t.to_record()) for t in rows]

    def orderbook(self, market: Market, symbol: str, depth: int) -> dict[str, Any]:
        """Return ``{symbol, bids, asks, checksum}`` with levels as ``[price, volume]``."""
        book: dict[str, Any] = plain(self.service(market).orderbook(symbol, depth).to_object())
        return book

    def run_subscriptions(self, sink: Any) -> None:
        """Run the config's active subscriptions (one connection) into ``sink``."""
        from kraken_cli.services.stream.service import StreamArgs, open_stream

        with open_stream(self.settings, Market.SPOT, StreamArgs(channel=None)) as prepared:
            prepared.run(sink)

    def canonical(self, symbol: str) -> str:
        """Return a spot symbol in Kraken's form (``BTCUSDT`` -> ``BTC/USDT``)."""
        canonical: str = self.service(Market.SPOT).resolve(symbol).symbol
        return canonical

    def verify(self, market: Market) -> list[dict[str, Any]]:
        """Return verify's rows for a segment (as ``krx verify``; nothing is ever placed)."""
        from kraken_cli.errors import KrxError
        from kraken_cli.services.verify import run_verify

        shared: Any = None if market.uses_futures_api else self.service(Market.SPOT)
        try:
            report = run_verify(
                self.settings, market, explicit=True, debug_log=self._debug_log, market_data=shared
            )
        except KrxError as exc:
            return [{"check": "verify", "ok": False, "detail": exc.message, "required": True}]
        return [c.to_record() for c in report.checks]

    def key_budget(self) -> dict[str, float] | None:
        """Return the spot key's call counter, Kraken's maximum and the headroom (None: no key)."""
        from kraken_cli.errors import KrxError
        from kraken_cli.services.account.spot import key_budget

        try:
            return key_budget(self.settings)
        except KrxError:  # an unreadable state file: verify's rows say why
            return None

    def proof_markets(self) -> list[Market]:
        """Return the segments the runtime proof covers: spot, and futures when configured."""
        configured = {m.market_type.lower() for m in self.settings.markets}
        return [Market.SPOT] + ([Market.FUTURES] if Market.FUTURES in configured else [])

    def stream(self, market: Market, channel: str, symbol: str, sink: Any) -> None:
        """Run the live stream of one channel and symbol into ``sink`` until it stops."""
        from kraken_cli.services.stream.service import StreamArgs, open_stream

        args = StreamArgs(channel=channel, symbols=(symbol,))
        with open_stream(self.settings, market, args) as prepared:
            prepared.run(sink)

    def account(self, market: Market) -> dict[str, list[dict[str, Any]]]:
        """Return the key's balances, positions and open orders on ``market`` (records)."""
        from kraken_cli.services.account import open_account

        with open_account(self.settings, market, debug_log=self._debug_log) as account:
            return {
                "balances": [plain(b.to_record()) for b in account.balances()],
                "positions": [plain(p.to_record()) for p in account.positions()],
                "orders": [plain(o.to_record()) for o in account.open_orders()],
            }

    def symbols(self, market: Market) -> list[dict[str, Any]]:
        """Return the platform's symbol records for a segment."""
        return [_symbol(s, market) for s in self.service(market).symbols()]


def _symbol(found: SymbolRecord, market: Market) -> dict[str, Any]:
    if isinstance(found, Pair):
        return _spot_symbol(found, market)
    return _futures_symbol(found.to_record())


def _spot_symbol(pair: Any, market: Market) -> dict[str, Any]:
    return {
        "name": pair.compact,
        "symbol": pair.symbol,
        "baseAsset": pair.base,
        "quoteAsset": pair.quote,
        "status": pair.status,
        "tickSize": plain(pair.tick_size),
        "stepSize": format(Decimal(1).scaleb(-pair.lot_decimals), "f"),
        "minQuantity": plain(pair.ordermin),
        "minNotional": plain(pair.costmin),
        "leverage": max(pair.leverage_buy, default=None),
        "marketType": market.value,
        "connectorType": "kraken",
    }


def _futures_symbol(record: dict[str, Any]) -> dict[str, Any]:
    precision = record.get("size_precision")
    step = format(Decimal(1).scaleb(-int(precision)), "f") if precision is not None else None
    return {
        "name": record["symbol"],
        "symbol": record["symbol"],
        "baseAsset": record["base"],
        "quoteAsset": record["quote"],
        "status": "online" if record.get("tradeable") else "offline",
        "tickSize": plain(record.get("tick_size")),
        "stepSize": step,
        "minQuantity": step,
        "minNotional": None,
        "leverage": None,
        "marketType": Market.FUTURES.value,
        "connectorType": "kraken",
    }
