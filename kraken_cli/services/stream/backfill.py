"""Trade backfill that never stops the socket being read (``krx archive``'s many symbols).

After a reconnect a connection may owe REST backfill for 250 symbols, about 1 call/s each at
Kraken's public pace: minutes in which an unread socket would fill the server's buffer and get
dropped, and books would go stale. So the REST pages come from a *pager* while the stream keeps
reading: the stream submits one page request per symbol being filled, collects the answers
between messages, and writes everything itself (one writer thread). Live trades of a symbol
being filled wait in a bounded per-symbol buffer until the backfill meets them
(``trades.TradeHandler``).

* ``ThreadPager``: one worker thread per connection calls REST (the shared client paces it);
  requests are served in order, so 250 symbols are filled round robin, a page each.
* ``InlinePager``: no thread; each ``collect`` performs at most one waiting request (tests with
  an injected clock, where the order of reads and REST calls must be exact).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kraken_cli.errors import KrxError
from kraken_cli.services.stream.channels import FetchTrades


@dataclass(frozen=True)
class PageRequest:
    """One REST Trades page to fetch for ``symbol`` after ``cursor``, ``delay_s`` from now."""

    symbol: str
    rest_pair: str
    cursor: str | None
    delay_s: float = 0.0


@dataclass(frozen=True)
class PageResult:
    """The answer to a PageRequest: rows and REST's ``last`` cursor, or the error."""

    request: PageRequest
    rows: list[list[Any]]
    last: str | None
    error: KrxError | None = None


class Pager(Protocol):
    """Fetches REST Trades pages on request; answers are collected without blocking."""

    def submit(self, request: PageRequest) -> None: ...

    def collect(self) -> list[PageResult]: ...

    def close(self) -> None: ...


#: ``make_pager(fetch, sleep) -> Pager``: how a stream gets its pager (injected).
PagerFactory = Callable[[FetchTrades, Callable[[float], None]], Pager]


def _fetch(fetch: FetchTrades, sleep: Callable[[float], None], req: PageRequest) -> PageResult:
    if req.delay_s > 0:
        sleep(req.delay_s)
    try:
        rows, last = fetch(req.rest_pair, req.cursor)
    except KrxError as exc:
        return PageResult(req, [], None, exc)
    return PageResult(req, rows, last)


class InlinePager:
    """Fetch on the caller's thread: one waiting request per ``collect``, ``every_s`` apart."""

    def __init__(
        self,
        fetch: FetchTrades,
        sleep: Callable[[float], None],
        *,
        clock: Callable[[], float] | None = None,
        every_s: float = 0.0,
    ) -> None:
        self._fetch = fetch
        self._sleep = sleep
        self._clock = clock
        self._every_s = every_s
        self._next = float("-inf")
        self._waiting: deque[PageRequest] = deque()
        self.calls = 0

    def submit(self, request: PageRequest) -> None:
        """Queue a page request."""
        self._waiting.append(request)

    def collect(self) -> list[PageResult]:
        """Fetch the oldest waiting request (if any) and return its answer."""
        if not self._waiting:
            return []
        if self._clock is not None:
            now = self._clock()
            if now < self._next:
                return []  # REST's pace: the socket is read meanwhile
            self._next = now + self._every_s
        self.calls += 1
        return [_fetch(self._fetch, self._sleep, self._waiting.popleft())]

    def close(self) -> None:
        """Forget the waiting requests."""
        self._waiting.clear()


class ThreadPager:
    """Fetch on one worker thread (started on the first request); collect never blocks."""

    def __init__(self, fetch: FetchTrades, sleep: Callable[[float], None]) -> None:
        self._fetch = fetch
        self._sleep = sleep
        self._requests: queue.SimpleQueue[PageRequest | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[PageResult | Exception] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, request: PageRequest) -> None:
        """Queue a page request for the worker."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="krx-backfill", daemon=True)
            self._thread.start()
        self._requests.put(request)

    def collect(self) -> list[PageResult]:
        """Return the answers that arrived so far (raise what broke the worker, if anything)."""
        out: list[PageResult] = []
        while True:
            try:
                result = self._results.get_nowait()
            except queue.Empty:
                return out
            if isinstance(result, BaseException):
                raise result  # in the stream's thread, which reports it as usual
            out.append(result)

    def close(self) -> None:
        """Stop the worker after its current call (its answer is dropped)."""
        self._closed = True
        if self._thread is not None:
            self._requests.put(None)
            self._thread = None

    def _work(self) -> None:
        while (req := self._requests.get()) is not None:
            try:
                self._results.put(_fetch(self._fetch, self._sleep, req))
            except Exception as exc:  # handed to the stream's thread, raised there
                if self._closed:
                    return  # the REST client closed under a call at shutdown
                self._results.put(exc)
                return
