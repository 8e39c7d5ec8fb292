"""Where the routes get their data: the market-data services, one per segment, shared by requests.

This is the only module of ``serve`` that talks to services; handlers stay transport-only.
Services are built lazily (a route for futures builds the futures client on first use) and
reused, so the limiter, pacer and symbol cache are shared by every HTTP client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from kraken_cli.config.settings import Settings
from kraken_cli.models.intervals import Interval
from kraken_cli.models.segment import Market
from kraken_cli.output.render import plain


class Sources:
    """The services behind the routes, built once per segment and closed on shutdown."""

    def __init__(self, settings: Settings, *, debug_log: Callable[[str], None] | None = None):
        self.settings = settings
        self._debug_log = debug_log
        self._lock = threading.Lock()
        self._spot: Any = None
        self._futures: Any = None

    # -- the services ---------------------------------------------------------------------------

    def _spot_service(self) -> Any:
        with self._lock:
            if self._spot is None:
                from kraken_cli.services.market.spot import MarketService

                self._spot = MarketService.from_settings(self.settings, debug_log=self._debug_log)
            return self._spot

    @contextmanager
    def _futures_client(self) -> Iterator[Any]:
        with self._lock:
            if self._futures is None:
                from kraken_cli.services.market.futures import futures_client

                self._futures = futures_client(self.settings, debug_log=self._debug_log)
        yield self._futures

    def close(self) -> None:
        """Close every service's connections."""
        if self._spot is not None:
            self._spot.close()
        if self._futures is not None:
            self._futures.close()

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
        if market is Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self._futures_client() as client:
                rows = fm.candles(client, symbol, interval, since=start, until=end)
            return [plain(r) for r in rows]
        svc = self._spot_service()
        candles = svc.get_candles(symbol, interval, start, end, partial=partial)
        return [plain(c.to_record()) for c in candles]

    def trades(
        self,
        market: Market,
        symbol: str,
        start: datetime | None,
        end: datetime | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Return trade records, ascending: the latest ``limit``, or the first from ``start``."""
        if market is Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self._futures_client() as client:
                rows = fm.trades(client, symbol, since=start, until=end, limit=limit)
            return [plain(r) for r in rows]
        svc = self._spot_service()
        return [plain(t.to_record()) for t in svc.trades(symbol, start, end, limit)]

    def orderbook(self, market: Market, symbol: str, depth: int) -> dict[str, Any]:
        """Return ``{symbol, bids, asks, checksum}`` with levels as ``[price, volume]``."""
        if market is Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self._futures_client() as client:
                book: dict[str, Any] = plain(fm.orderbook(client, symbol, depth))
            return book
        obj: dict[str, Any] = plain(self._spot_service().orderbook(symbol, depth).to_object())
        return obj

    def run_subscriptions(self, sink: Any) -> None:
        """Run the config's active subscriptions (one connection) into ``sink``."""
        from kraken_cli.services.stream.service import StreamArgs, open_stream

        with open_stream(self.settings, Market.SPOT, StreamArgs(channel=None)) as prepared:
            prepared.run(sink)

    def canonical(self, symbol: str) -> str:
        """Return a spot symbol in Kraken's form (``BTCUSDT`` -> ``BTC/USDT``)."""
        canonical: str = self._spot_service().resolver.resolve(symbol).symbol
        return canonical

    def connectivity(self) -> list[dict[str, Any]]:
        """Return the public verify rows: system status, and the clock against Kraken's."""
        from kraken_cli.errors import KrxError

        try:
            report = self._spot_service().status()
        except KrxError as exc:
            return [{"check": "connectivity", "ok": False, "detail": exc.message}]
        skew = report.sample.skew
        limit = self.settings.krx.max_clock_skew_s
        return [
            {"check": "connectivity", "ok": report.status == "online", "detail": report.status},
            {"check": "clock", "ok": abs(skew) <= limit, "detail": f"skew {skew:+.3f} s"},
        ]

    def stream(self, market: Market, channel: str, symbol: str, sink: Any) -> None:
        """Run the live stream of one channel and symbol into ``sink`` until it stops."""
        from kraken_cli.services.stream.service import StreamArgs, open_stream

        args = StreamArgs(channel=channel, symbols=(symbol,))
        with open_stream(self.settings, market, args) as prepared:
            prepared.run(sink)

    def symbols(self, market: Market) -> list[dict[str, Any]]:
        """Return the platform's symbol records for a segment."""
        if market is Market.FUTURES:
            from kraken_cli.services.market import futures as fm

            with self._futures_client() as client:
                return [_futures_symbol(r) for r in fm.symbols(client)]
        pairs = self._spot_service().symbols()
        if market is Market.MARGIN:
            pairs = [p for p in pairs if p.leverage_buy or p.leverage_sell]
        return [_spot_symbol(p, market) for p in pairs]


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
