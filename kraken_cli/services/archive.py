"""The archive use case: run the chosen channels' streams into an archive sink until stopped.

Each channel runs as its own streams (checksummed books, gapless trades) into the one sink;
trades resume after the last committed trade, the gap filled from REST by the stream's own
backfill. SIGINT/SIGTERM (or ``duration_s``) stop every stream; the sink then commits what it
holds.

Many symbols (``--all``: every online pair, ~1,450 on Kraken) stay inside Kraken's WS limits:
a channel's symbols are spread over connections of at most ``symbols_per_connection``, each
connection subscribes in paced batches, and every connect of the process passes one gate
(``services/stream/pacing.py``).

Futures (``Market.FUTURES``) archives trades, books and tickers of futures instruments (``--all``:
every tradeable one); its trades resume after the last committed trade's time and uids, the gap
filled from REST ``history`` (``services/stream/futures_trades.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kraken_cli.config.settings import Settings
from kraken_cli.errors import KrxError, UsageError
from kraken_cli.models.segment import Market

if TYPE_CHECKING:
    from kraken_cli.output.sink import Sink

#: Archive channels -> the stream channel that feeds each.
CHANNELS = {"trades": "trades", "book": "book", "ticker": "ticker", "candles": "candles"}
#: The channels Kraken Futures streams (no candles feed).
FUTURES_CHANNELS = ("trades", "book", "ticker")
#: Decimals of a symbol's book rows: (price, lot); futures books carry none (``seq`` instead).
Decimals = dict[str, tuple[int | None, int | None]]
#: Seconds between checks for a stop while the streams run.
POLL_S = 0.2
#: Symbols of one channel per connection (Kraken's level3 caps a connection at 200 symbols;
#: the public channels publish no cap, 250 keeps a connection's traffic modest).
SYMBOLS_PER_CONNECTION = 250
#: Symbols per subscribe request, symbols per second and burst per connection: under the
#: sandbox's model of Kraken's unpublished limit (30/s, burst 60) with a margin.
SUBSCRIBE_BATCH = 20
SUBSCRIBE_RATE = 20.0
SUBSCRIBE_BURST = 40.0
#: Connects per 10 minutes for the whole process (Cloudflare bans past ~150 per IP; the rest
#: is left for reconnects and other clients) and the spacing between two connects. Cloudflare
#: counts connects per window, it does not time them: the spacing only keeps a reconnect storm
#: from arriving as one burst (at 0.25 s the 12 first connects of ``--all`` took 2.75 s of
#: its start-up).
CONNECT_BUDGET = 100
CONNECT_SPACING_S = 0.05


@dataclass(frozen=True)
class ArchiveArgs:
    """What to archive and for how long (``duration_s`` None: until stopped)."""

    symbols: tuple[str, ...]
    channels: tuple[str, ...] = tuple(CHANNELS)
    depth: int = 10
    interval: str = "min1"
    duration_s: float | None = None
    connect_budget: int = CONNECT_BUDGET
    symbols_per_connection: int = SYMBOLS_PER_CONNECTION


def parse_channels(text: str | None, market: Market = Market.SPOT) -> tuple[str, ...]:
    """Parse ``trades,book`` (any order, no repeats) into archive channels (None: every one
    the market streams)."""
    offered = FUTURES_CHANNELS if market.uses_futures_api else tuple(CHANNELS)
    if text is None:
        return offered
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [c for c in chosen if c not in offered]
    if unknown or not chosen:
        raise UsageError(
            f"unknown channel(s) for {market}: {', '.join(unknown) or text!r}",
            hint="choose from " + ",".join(offered),
        )
    return chosen


def archive_symbols(settings: Settings, market: Market, symbols: tuple[str, ...]) -> Decimals:
    """Resolve the symbols to archive (none: every online pair or tradeable instrument)."""
    if market.uses_futures_api:
        return futures_symbols(settings, symbols)
    return dict(pair_decimals(settings, symbols) if symbols else online_pairs(settings))


def futures_symbols(settings: Settings, symbols: tuple[str, ...]) -> Decimals:
    """Resolve futures symbols (none: every tradeable instrument) to their canonical names."""
    from kraken_cli.services.market.futures import futures_client, instrument_index

    client = futures_client(settings)
    try:
        index = instrument_index(client)
        if symbols:
            chosen = [index.resolve(s).symbol for s in symbols]
        else:
            chosen = sorted(i.symbol for i in index.instruments if i.tradeable)
    finally:
        client.close()
    return dict.fromkeys(chosen, (None, None))


def pair_decimals(settings: Settings, symbols: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Resolve spot symbols; return canonical symbol -> (price decimals, lot decimals)."""
    from kraken_cli.services.market.spot import MarketService

    market = MarketService.from_settings(settings)
    try:
        pairs = market.resolver.resolve_many(symbols)
    finally:
        market.close()
    return {p.symbol: (p.pair_decimals, p.lot_decimals) for p in pairs}


def online_pairs(settings: Settings) -> dict[str, tuple[int, int]]:
    """Return every online spot pair: canonical symbol -> (price decimals, lot decimals)."""
    from kraken_cli.services.market.spot import MarketService

    market = MarketService.from_settings(settings)
    try:
        pairs = market.resolver.index().pairs
    finally:
        market.close()
    online = sorted((p for p in pairs if p.status == "online"), key=lambda p: p.symbol)
    return {p.symbol: (p.pair_decimals, p.lot_decimals) for p in online}


def shards(symbols: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    """Split ``symbols`` into connections of at most ``size`` (0: one connection)."""
    if size <= 0 or len(symbols) <= size:
        return [symbols]
    count = -(-len(symbols) // size)
    # even shards: 1,450 symbols at 250 make six connections of ~242, not five full and a stub
    return [symbols[i::count] for i in range(count)]


def run_archive(
    settings: Settings,
    market: Market,
    args: ArchiveArgs,
    target: Sink,
    stop: threading.Event,
    resume: Mapping[str, tuple[int, str]],
    resume_uids: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
) -> None:
    """Stream every chosen channel into ``target`` until ``stop`` is set or the duration ends.

    ``resume``: per symbol, the last trade the archive already holds (trades start after it);
    ``resume_uids`` likewise for futures (its time and the uids at that time).
    """
    from kraken_cli.services.market.spot import MarketService
    from kraken_cli.services.stream.pacing import ConnectGate
    from kraken_cli.services.stream.service import StreamArgs, open_stream

    failures: list[BaseException] = []
    gate = ConnectGate(args.connect_budget, spacing_s=CONNECT_SPACING_S)
    # one REST client for every shard: backfills share one public-call pacer (1 call/s)
    rest = None if market.uses_futures_api else MarketService.from_settings(settings)
    uids = resume_uids or {}

    def run(channel: str, symbols: tuple[str, ...]) -> None:
        stream_args = StreamArgs(
            channel=CHANNELS[channel],
            symbols=symbols,
            interval=args.interval if channel == "candles" else None,
            depth=args.depth,
            updates=channel == "book",
            duration_s=args.duration_s,
            connect_budget=args.connect_budget,
            resume_trades={s: resume[s] for s in symbols if s in resume}
            if channel == "trades"
            else {},
            resume_uids={s: uids[s] for s in symbols if s in uids} if channel == "trades" else {},
            subscribe_batch=SUBSCRIBE_BATCH,
            subscribe_rate=SUBSCRIBE_RATE,
            subscribe_burst=SUBSCRIBE_BURST,
            connect_gate=gate.wait,
            rest=rest,
            backfill_beside_reads=True,
        )
        try:
            with open_stream(settings, market, stream_args) as prepared:
                prepared.run(target)
        except BaseException as exc:  # raised again in the caller's thread
            failures.append(exc)
            stop.set()

    workers = [
        threading.Thread(target=run, args=(c, part), name=f"archive-{c}-{n}", daemon=True)
        for c in args.channels
        for n, part in enumerate(shards(args.symbols, args.symbols_per_connection))
    ]
    for worker in workers:
        worker.start()
    try:
        while any(w.is_alive() for w in workers) and not stop.wait(POLL_S):
            pass
    finally:
        target.close()  # commit what was written, also when stopped mid-stream
        if rest is not None:
            rest.close()
    for failure in failures:
        if isinstance(failure, KrxError):
            raise failure
        raise RuntimeError(f"archive stream failed: {failure!r}") from failure
