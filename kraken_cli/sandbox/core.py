"""The sandbox hub: market (tapes, books), account, matching engine, faults and the ticker.

One :class:`Sandbox` lives in the server's event loop. The ticker task publishes new tape
trades and book steps to WS connections (each connection turns events into messages for its
own subscriptions) and drives resting orders and triggers.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Protocol

from kraken_cli.sandbox.accounts import Account, credentials
from kraken_cli.sandbox.book import Book
from kraken_cli.sandbox.faults import Faults
from kraken_cli.sandbox.market import PAIRS
from kraken_cli.sandbox.matching import Exchange
from kraken_cli.sandbox.ohlc import Stats, stats
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.ratelimit import parse_tier
from kraken_cli.sandbox.tape import Tape, Trade
from kraken_cli.sandbox.wire import NS, now_ns
from kraken_cli.sandbox.ws_limits import WsLimits

TICK_S = 0.1


class Subscriber(Protocol):
    """What the hub needs from a WS connection."""

    def on_event(self, kind: str, key: str, payload: object) -> None:
        """Receive a market or account event (must not block)."""

    # Optional: ``wants_trades(key) -> bool`` says whether new trades of a pair matter to it;
    # without it a subscriber gets every pair's trades.


class Sandbox:
    """All state of one running sandbox."""

    def __init__(self, options: Options, clock: Callable[[], int] = now_ns) -> None:
        self.options = options
        self.clock = clock
        self.started_ns = clock()
        key, secret = (options.key, options.secret)
        if key is None or secret is None:
            key, secret = credentials(options.seed)
        if options.pairs:
            from kraken_cli.sandbox.many import widen_market

            widen_market(options.pairs, options.seed)
        self.ws_limits = WsLimits(
            options.ws_sub_rate, options.ws_sub_burst, options.ws_connect_limit, time.monotonic
        )
        self.tapes = {
            k: Tape(
                p,
                options.seed,
                self.started_ns,
                options.history_days,
                options.trade_interval,
                options.live_rate,
            )
            for k, p in PAIRS.items()
        }
        self.books = {
            k: Book(
                p, options.seed, self.tapes[k].price_units(self.started_ns), self.started_ns // NS
            )
            for k, p in PAIRS.items()
        }
        self.faults = Faults()
        self.faults.update(dict(options.faults))
        self.account = Account(
            key,
            secret,
            parse_tier(options.tier),
            lambda: self.clock() / NS,
            seed=options.seed,
            permissions=set(options.permissions),
        )
        self.exchange = Exchange(
            self.account, self.books, self.tapes, self.clock, self._book_touched
        )
        self.subscribers: set[Subscriber] = set()
        #: private REST calls that passed authentication, per method (``GET /sandbox/calls``)
        self.calls: Counter[str] = Counter()
        self.published = dict.fromkeys(PAIRS, self.started_ns)
        self.spreads: dict[str, deque[tuple[int, int, int]]] = {k: deque(maxlen=200) for k in PAIRS}
        for k in PAIRS:
            self._prefill_spreads(k)
            self._record_spread(k)
        self.account.listeners.append(self._account_event)
        self._stats: dict[str, tuple[int, Stats]] = {}

    # -- clocks -----------------------------------------------------------------------------
    def now(self) -> int:
        """Return the true current time (ns) that drives the market."""
        return self.clock()

    def server_now(self) -> int:
        """Return the time the server *reports* (with the injected skew)."""
        return self.clock() + int(self.faults.skew_seconds * NS)

    def permissions(self) -> set[str]:
        """Return the permissions in force (a fault override wins)."""
        if self.faults.permissions is not None:
            return set(self.faults.permissions)
        return self.account.permissions

    def day_stats(self, key: str) -> Stats:
        """Return 24h statistics of a pair, recomputed at most once a second (WS ticker)."""
        now = self.now()
        cached = self._stats.get(key)
        if cached is None or now - cached[0] > NS:
            cached = (now, stats(self.tapes[key], now - 86400 * NS, now))
            self._stats[key] = cached
        last = self.tapes[key].last_trade(now)
        result = cached[1]
        if last is not None and last.ns > cached[0]:
            result = Stats(
                result.open,
                max(result.high, last.price),
                min(result.low, last.price),
                last.price,
                last.volume,
                result.volume,
                result.pv,
                result.count,
            )
        return result

    # -- publishing -------------------------------------------------------------------------
    def publish(self, kind: str, key: str, payload: object) -> None:
        """Hand an event to every WS connection."""
        for sub in list(self.subscribers):
            sub.on_event(kind, key, payload)

    def _trades_wanted(self, key: str) -> bool:
        for sub in self.subscribers:
            wants = getattr(sub, "wants_trades", None)
            if wants is None or wants(key):  # a subscriber that cannot tell gets everything
                return True
        return False

    def _account_event(self, kind: str, payload: object) -> None:
        self.publish(kind, "", payload)

    def _record_spread(self, key: str) -> None:
        book = self.books[key]
        top = (book.best_bid(), book.best_ask())
        spreads = self.spreads[key]
        if not spreads or spreads[-1][1:] != top:
            spreads.append((self.server_now() // NS, *top))

    def _prefill_spreads(self, key: str) -> None:
        """Seed Spread history from the tape so it holds ~200 rows from the start, like Kraken."""
        book, tape = self.books[key], self.tapes[key]
        half = max(book.pair.tick_units, book.gap // 2)
        spreads = self.spreads[key]
        for trade in tape.recent(199, self.started_ns):
            row = (trade.ns // NS, trade.price - half, trade.price + half)
            if not spreads or spreads[-1] != row:
                spreads.append(row)

    def _book_touched(self, key: str) -> None:
        self._record_spread(key)
        self.publish("book", key, None)

    def step(self, book_due: bool) -> None:
        """Advance the market once: publish new trades, move books, run the engine."""
        now = self.now()
        for key, tape in self.tapes.items():
            if not self._trades_wanted(key):
                # nobody listens: skip the tape (a high live rate is generated only when read)
                self.published[key] = max(self.published[key], now)
            else:
                trades: list[Trade] = list(tape.iter_after(self.published[key], now))
                if trades:
                    self.published[key] = trades[-1].ns
                    self.publish("trades", key, trades)
            if book_due:
                mid = tape.price_units(now)
                if self.books[key].step(mid, now // NS):
                    self._book_touched(key)
        self.exchange.on_tick()

    async def run(self) -> None:
        """Run the market ticker forever (cancelled on shutdown)."""
        period = 1.0 / self.options.book_rate if self.options.book_rate > 0 else 0.0
        next_book = 0.0
        loop = asyncio.get_running_loop()
        while True:
            due = bool(period) and loop.time() >= next_book
            if due:
                next_book = loop.time() + period
            self.step(due)
            # tick faster than 10/s only when the book must move faster
            await asyncio.sleep(min(TICK_S, period) if period else TICK_S)
