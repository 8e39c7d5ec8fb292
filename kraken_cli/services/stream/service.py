"""The stream use case, one interface whatever the segment: ``open_stream(settings, market, args)``.

It returns a :class:`Stream` that says which record kinds it will write (``kinds``: the
``channel`` of its records, so a front end can pick or refuse a format before connecting) and
runs into a sink (``run(sink)``: records through ``sink.write``, events through
``sink.write_event``). Spot and margin run on Kraken's WS v2 (``engine``), futures on the
Futures feed (``futures``); the caller never branches on the segment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kraken_cli.config.settings import Settings, missing_key_error
from kraken_cli.errors import AuthError
from kraken_cli.models.segment import Market
from kraken_cli.services.stream.records import PRIVATE_CHANNELS

if TYPE_CHECKING:
    from kraken_cli.output.sink import Sink
    from kraken_cli.services.market.spot import MarketService
    from kraken_cli.services.stream.engine import StreamService
    from kraken_cli.services.stream.options import StreamOptions
    from kraken_cli.services.stream.records import StreamPair, StreamRequest


@dataclass(frozen=True)
class StreamArgs:
    """What to stream and when to stop; ``channel`` None runs the config's subscriptions."""

    channel: str | None = None
    symbols: tuple[str, ...] = ()
    interval: str | None = None
    depth: int = 10
    levels: int | None = None
    updates: bool = False
    count: int | None = None
    duration_s: float | None = None
    watchdog_s: float = 5.0
    connect_budget: int = 100
    #: Trades: start after these (symbol -> (trade_id, RFC3339 time)), backfilling from REST.
    resume_trades: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    #: Futures trades: start after these (symbol -> (RFC3339 time, uids of the trades at that
    #: time)), backfilling from REST ``history``.
    resume_uids: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    #: Subscription pacing (symbols per request, symbols per second, burst; 0: none) and a
    #: gate every connect of the process passes (``services/stream/pacing.py``).
    subscribe_batch: int = 0
    subscribe_rate: float = 0.0
    subscribe_burst: float = 0.0
    connect_gate: Callable[[], object] | None = None
    #: A REST service shared by several streams (one public-call pacer for all their
    #: backfills); the stream then neither opens nor closes its own.
    rest: MarketService | None = None
    #: Trade backfills run on a worker thread while the socket keeps being read (many
    #: symbols per connection: ``krx archive``); else a backfill holds the loop.
    backfill_beside_reads: bool = False


class Stream:
    """A prepared stream: its record kinds are known before any connection; use it in ``with``."""

    #: The ``channel`` values of the records it writes (``trade``, ``book``, ...).
    kinds: frozenset[str]

    def run(self, sink: Sink) -> int:
        """Stream into ``sink`` until --count / --duration; return the records written."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what running the stream opened (REST clients for symbols and backfill)."""

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_stream(settings: Settings, market: Market, args: StreamArgs) -> Stream:
    """Prepare the stream of ``args`` on ``market`` (channel checked; no network yet)."""
    if args.channel is not None and market.uses_futures_api:
        return FuturesStream(settings, args)
    return SpotStream(settings, args)


class SpotStream(Stream):
    """Spot (and margin) WS v2: verified books, gapless trades, reconciled candles."""

    def __init__(self, settings: Settings, args: StreamArgs) -> None:
        from kraken_cli.services.stream.setup import planned_channels

        self.settings = settings
        self.args = args
        # no network here: a front end can refuse a format before symbols are resolved
        self.kinds = planned_channels(args.channel, settings.subscriptions)
        self.market: MarketService | None = args.rest

    def run(self, sink: Sink) -> int:
        """Resolve the symbols, then run the WS v2 stream into ``sink``."""
        from kraken_cli.services.market.spot import MarketService

        if self.market is None:
            self.market = MarketService.from_settings(self.settings)
        return self._engine(self.market, sink).run()

    def close(self) -> None:
        """Close the REST client (symbols, backfill) unless it is shared."""
        if self.market is not None and self.market is not self.args.rest:
            self.market.close()
            self.market = None

    def _engine(self, market: MarketService, sink: Sink) -> StreamService:
        from kraken_cli.services.stream.engine import StreamService
        from kraken_cli.services.stream.options import StreamDeps
        from kraken_cli.services.stream.setup import rest_fetchers

        settings, endpoints = self.settings, self.settings.endpoints
        requests = self._requests(market)
        deps = StreamDeps(
            ws_url=endpoints.ws_url,
            ws_auth_url=endpoints.ws_auth_url,
            connect_gate=self.args.connect_gate,
        )
        deps.fetch_trades, deps.fetch_ohlc = rest_fetchers(market.api)
        if self.args.backfill_beside_reads:
            from kraken_cli.services.stream.backfill import ThreadPager

            deps.trade_pager = ThreadPager
        if any(r.channel in PRIVATE_CHANNELS for r in requests):
            deps.fetch_token = _token_fetcher(settings)
        return StreamService(
            requests, deps, self._options(), sink.write, sink.write_event, sink.write_many
        )

    def _requests(self, market: MarketService) -> list[StreamRequest]:
        from kraken_cli.services.stream.setup import requests_for, requests_from_config, stream_pair

        def resolve(texts: Sequence[str]) -> list[StreamPair]:
            return [stream_pair(p) for p in market.resolver.resolve_many(texts)]

        args = self.args
        if args.channel is None:
            subscriptions = self.settings.subscriptions
            return requests_from_config(subscriptions, resolve=resolve, depth=args.depth)
        return requests_for(
            args.channel, args.symbols, resolve=resolve, interval=args.interval, depth=args.depth
        )

    def _options(self) -> StreamOptions:
        from kraken_cli.services.stream.options import StreamOptions

        args = self.args
        return StreamOptions(
            levels=args.levels,
            updates=args.updates,
            count=args.count,
            duration_s=args.duration_s,
            watchdog_s=args.watchdog_s,
            tick_s=min(1.0, args.watchdog_s),
            window_connects=args.connect_budget,
            resume_trades=args.resume_trades,
            subscribe_batch=args.subscribe_batch,
            subscribe_rate=args.subscribe_rate,
            subscribe_burst=args.subscribe_burst,
        )


class FuturesStream(Stream):
    """Kraken Futures: trades, ticker, books with their ``seq`` checked."""

    def __init__(self, settings: Settings, args: StreamArgs) -> None:
        from kraken_cli.services.stream.futures import check_request

        self.settings = settings
        self.args = args
        self.kinds = frozenset({check_request(args.channel or "", args.symbols)})
        self.rest: Any = None

    def run(self, sink: Sink) -> int:
        """Run the futures feed into ``sink``, honouring --levels and --duration."""
        from kraken_cli.services.market.futures import futures_client
        from kraken_cli.services.stream import futures

        args = self.args
        deadline = None if args.duration_s is None else time.monotonic() + args.duration_s
        if self.kinds == {"trade"} and self.rest is None:
            self.rest = futures_client(self.settings)  # REST history fills reconnect gaps
        records = futures.stream(
            self.settings,
            args.channel or "",
            args.symbols,
            depth=args.depth,
            count=args.count,
            on_event=sink.write_event,
            watchdog_s=args.watchdog_s,
            deadline=deadline,
            resume=args.resume_uids,
            fetch_history=None if self.rest is None else self.rest.history,
            connect_gate=args.connect_gate,
            updates=args.updates,
        )
        write, levels, written = sink.write, args.levels, 0
        try:
            for record in records:
                if levels is not None and "bids" in record:
                    record = record | {
                        "bids": record["bids"][:levels],
                        "asks": record["asks"][:levels],
                    }
                write(record)
                written += 1
                if deadline is not None and time.monotonic() >= deadline:
                    break
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()
        return written

    def close(self) -> None:
        """Close the REST client of the trade backfill (the socket closes with its run)."""
        if self.rest is not None:
            self.rest.close()
            self.rest = None


def _token_fetcher(settings: Settings) -> Any:
    if settings.spot is None and settings.spot_undefined:
        raise missing_key_error(settings.spot_undefined, "spot API key")
    if settings.spot is None:
        raise AuthError(
            "private channels need spot API credentials",
            hint="set KRAKEN_API_KEY / KRAKEN_API_SECRET or a config file; see `krx verify`",
        )
    from kraken_cli.services.stream.setup import private_token_fetcher

    return private_token_fetcher(settings)
