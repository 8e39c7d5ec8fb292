"""Market data, one interface whatever the segment: status, symbols, ticker, book, trades, candles.

Every front end (CLI, HTTP, MCP, archive) opens a :class:`MarketData` for a
:class:`~kraken_cli.models.segment.Market` with :func:`open_market_data` and gets the same typed
records (``models.market``) from spot, margin and futures alike. Request rules (time windows,
limits, depth, the forming candle) are checked inside, so every front end gets them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from kraken_cli.models.segment import Market
from kraken_cli.services.market.request import ANY_TIME, Window

if TYPE_CHECKING:
    import httpx

    from kraken_cli.config.settings import Settings
    from kraken_cli.models.intervals import Interval
    from kraken_cli.models.market import Candle, Trade
    from kraken_cli.models.orderbook import OrderBook
    from kraken_cli.models.symbols import Asset
    from kraken_cli.models.ticker import Ticker
    from kraken_cli.services.history.archived_trades import ArchiveLookup
    from kraken_cli.services.market.status import StatusReport

__all__ = ["MarketData", "SymbolRecord", "Window", "open_market_data"]


class SymbolRecord(Protocol):
    """A tradable market of a segment: a spot pair or a futures instrument."""

    @property
    def symbol(self) -> str: ...

    def to_record(self) -> dict[str, Any]: ...


class MarketData(Protocol):
    """Public market data of one segment; use as a context manager (it owns connections)."""

    market: Market

    def close(self) -> None: ...
    def __enter__(self) -> MarketData: ...
    def __exit__(self, *exc: object) -> None: ...
    def status(self) -> StatusReport: ...
    def assets(self) -> Sequence[Asset]: ...
    def resolve(self, symbol: str) -> SymbolRecord: ...
    def symbols(self, quote: str | None = None) -> Sequence[SymbolRecord]: ...
    def ticker(self, symbols: Sequence[str]) -> list[Ticker]: ...
    def orderbook(self, symbol: str, depth: int = 10) -> OrderBook: ...
    def trades(
        self, symbol: str, window: Window = ANY_TIME, limit: int | None = None
    ) -> Iterator[Trade]: ...
    def candles(
        self,
        symbol: str,
        interval: Interval | str,
        window: Window = ANY_TIME,
        *,
        partial: bool = False,
        fill: bool = False,
        tick_type: str = "trade",
    ) -> Iterator[Candle]: ...


def open_market_data(
    settings: Settings,
    market: Market,
    *,
    transport: httpx.BaseTransport | None = None,
    debug_log: Callable[[str], None] | None = None,
    archive_lookup: ArchiveLookup | None = None,
) -> MarketData:
    """Return the market-data service of ``market`` for ``settings`` (close it when done).

    ``archive_lookup``: how a front end finds its Parquet archive (trade candles read it).
    """
    if market.uses_futures_api:
        from kraken_cli.services.market.futures import FuturesMarketData, futures_client

        client = futures_client(settings, transport=transport, debug_log=debug_log)
        return FuturesMarketData(client, archive_lookup=archive_lookup)
    from kraken_cli.services.market.spot import SpotMarketData

    return SpotMarketData.from_settings(
        settings,
        market=market,
        transport=transport,
        debug_log=debug_log,
        archive_lookup=archive_lookup,
    )
