"""The archive use case: run the chosen channels' streams into an archive sink until stopped.

Each channel runs as its own stream (its own connection, checksummed books, gapless trades)
into the one sink; trades resume after the last committed trade, the gap filled from REST by
the stream's own backfill. SIGINT/SIGTERM (or ``duration_s``) stop every stream; the sink
then commits what it holds.
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
#: Seconds between checks for a stop while the streams run.
POLL_S = 0.2


@dataclass(frozen=True)
class ArchiveArgs:
    """What to archive and for how long (``duration_s`` None: until stopped)."""

    symbols: tuple[str, ...]
    channels: tuple[str, ...] = tuple(CHANNELS)
    depth: int = 10
    interval: str = "min1"
    duration_s: float | None = None
    connect_budget: int = 100


def parse_channels(text: str) -> tuple[str, ...]:
    """Parse ``trades,book`` (any order, no repeats) into archive channels."""
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [c for c in chosen if c not in CHANNELS]
    if unknown or not chosen:
        raise UsageError(
            f"unknown channel(s): {', '.join(unknown) or text!r}",
            hint="choose from " + ",".join(CHANNELS),
        )
    return chosen


def pair_decimals(settings: Settings, symbols: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Resolve spot symbols; return canonical symbol -> (price decimals, lot decimals)."""
    from kraken_cli.services.market.spot import MarketService

    market = MarketService.from_settings(settings)
    try:
        pairs = market.resolver.resolve_many(symbols)
    finally:
        market.close()
    return {p.symbol: (p.pair_decimals, p.lot_decimals) for p in pairs}


def run_archive(
    settings: Settings,
    market: Market,
    args: ArchiveArgs,
    target: Sink,
    stop: threading.Event,
    resume: Mapping[str, tuple[int, str]],
) -> None:
    """Stream every chosen channel into ``target`` until ``stop`` is set or the duration ends.

    ``resume``: per symbol, the last trade the archive already holds (trades start after it).
    """
    from kraken_cli.services.stream.service import StreamArgs, open_stream

    failures: list[BaseException] = []

    def run(channel: str) -> None:
        stream_args = StreamArgs(
            channel=CHANNELS[channel],
            symbols=args.symbols,
            interval=args.interval if channel == "candles" else None,
            depth=args.depth,
            updates=channel == "book",
            duration_s=args.duration_s,
            connect_budget=args.connect_budget,
            resume_trades=resume if channel == "trades" else {},
        )
        try:
            with open_stream(settings, market, stream_args) as prepared:
                prepared.run(target)
        except BaseException as exc:  # raised again in the caller's thread
            failures.append(exc)
            stop.set()

    workers = [
        threading.Thread(target=run, args=(c,), name=f"archive-{c}", daemon=True)
        for c in args.channels
    ]
    for worker in workers:
        worker.start()
    try:
        while any(w.is_alive() for w in workers) and not stop.wait(POLL_S):
            pass
    finally:
        target.close()  # commit what was written, also when stopped mid-stream
    for failure in failures:
        if isinstance(failure, KrxError):
            raise failure
        raise RuntimeError(f"archive stream failed: {failure!r}") from failure
