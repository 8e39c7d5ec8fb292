"""What a stream is given: its options (Kraken's reconnection guide's defaults) and its I/O."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kraken_cli.client.ws import ConnectFactory, websocket_connect
from kraken_cli.services.stream.backfill import PagerFactory
from kraken_cli.services.stream.channels import FetchOhlc, FetchTrades


@dataclass(frozen=True)
class StreamOptions:
    """Knobs of a stream; the defaults follow Kraken's reconnection guide."""

    levels: int | None = None
    updates: bool = False
    count: int | None = None
    duration_s: float | None = None
    tick_s: float = 1.0
    watchdog_s: float = 5.0
    ping_every_s: float = 30.0
    ack_timeout_s: float = 10.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    max_attempts: int = 12
    window_connects: int = 100
    window_s: float = 600.0
    max_book_failures: int = 5
    #: Symbols per subscribe request (0: all in one) and symbols per second per connection
    #: (0: no pacing); see ``pacing.py`` — ``krx archive --all`` sets them.
    subscribe_batch: int = 0
    subscribe_rate: float = 0.0
    subscribe_burst: float = 0.0
    #: Trades: per symbol, the last trade already kept elsewhere (``(trade_id, RFC3339 time)``);
    #: the stream starts after it, filling the gap to the live feed from REST (``krx archive``
    #: resumes this way after a restart).
    resume_trades: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    #: Live trades held per symbol while its backfill runs beside the reads (the memory
    #: bound: past it they are dropped and REST brings them).
    trade_hold_max: int = 2000


@dataclass
class StreamDeps:
    """Injected I/O: sockets, REST backfill, token, clock, sleep, randomness."""

    ws_url: str
    ws_auth_url: str | None = None
    connect: ConnectFactory = websocket_connect
    fetch_trades: FetchTrades | None = None
    fetch_ohlc: FetchOhlc | None = None
    fetch_token: Callable[[], str] | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random | None = None
    #: Blocks until the process may open one more connection (shared by every shard).
    connect_gate: Callable[[], object] | None = None
    #: Makes the pager of trade backfills that run while the socket is read (``backfill.py``);
    #: None: a backfill holds the loop (fine for a few symbols).
    trade_pager: PagerFactory | None = None
