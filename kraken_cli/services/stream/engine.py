"""``krx stream``: one WebSocket v2 connection kept alive for days, never lying to the user.

The loop: connect -> subscribe everything (req_id + ack check) -> restore continuity (REST
backfill of trades, candle reconciliation) -> dispatch messages to the channel handlers. A drop
or a stall (watchdog) reconnects with exponential backoff and jitter, bounded by a budget of
consecutive attempts and of connects per window (Cloudflare allows ~150 per 10 min per IP).
https://docs.kraken.com/api/docs/guides/spot-ws-reconnection
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kraken_cli.client.exact_json import exact_decoder
from kraken_cli.client.ws import ConnectionLost, WsClient
from kraken_cli.errors import (
    IntegrityError,
    KrakenError,
    KrxError,
    NetworkError,
    UnknownSymbolError,
    UsageError,
    from_kraken,
)
from kraken_cli.services.stream.channels import (
    BookHandler,
    Handler,
    InstrumentHandler,
    OhlcHandler,
    PrivateHandler,
    TickerHandler,
)
from kraken_cli.services.stream.options import StreamDeps, StreamOptions
from kraken_cli.services.stream.pacing import EXCEEDED, SubscribePacer, batches
from kraken_cli.services.stream.records import PRIVATE_CHANNELS, StreamRequest
from kraken_cli.services.stream.trades import TradeHandler

Record = dict[str, Any]
#: Most records held for one write while messages keep arriving back to back: ~11 kB of
#: trade lines, well under a pipe's 64 KiB, so a write rarely blocks on the reader (a write of
#: 1000 records did, and cut the wall-clock rate by 2-4x under load).
_BATCH_MAX = 64


class _Stop(Exception):
    """Unwinds the loop when --count or --duration is reached."""


@dataclass
class _Pending:
    channel: str
    symbols: set[str]
    deadline: float
    method: str
    request: StreamRequest | None = None


class StreamService:
    """Run subscriptions on one connection and hand verified records to ``emit``.

    The records of one WebSocket message go out together (``emit_many``, one write to stdout),
    before any event and before the stream stops or fails; when further messages have already
    arrived (a burst), their records join the same write, but never wait for the network. The
    output is the same bytes as a write per record, with a system call per burst.
    """

    def __init__(
        self,
        requests: list[StreamRequest],
        deps: StreamDeps,
        options: StreamOptions,
        emit: Callable[[Record], None],
        on_event: Callable[[Record], None],
        emit_many: Callable[[list[Record]], None] | None = None,
    ) -> None:
        if not requests:
            raise UsageError("nothing to stream", hint="name a channel, or activate subscriptions")
        private = {r.channel in PRIVATE_CHANNELS for r in requests}
        if len(private) > 1:
            raise UsageError(
                "private channels (executions, balances) and public ones need two connections",
                hint="run them as two `krx stream` commands",
            )
        self.private = private == {True}
        if self.private and deps.fetch_token is None:
            raise UsageError("private channels need API credentials", hint="see `krx verify`")
        self.requests = requests
        self.deps = deps
        self.options = options
        self._write_many = emit_many or _each(emit)
        #: Records of the message being handled, not written yet.
        self._batch: list[Record] = []
        self._on_event = on_event
        self.rng = deps.rng or random.Random()
        self.emitted = 0
        self.reconnects = 0
        self._decode = exact_decoder()
        self._ws: WsClient | None = None
        #: Whether the current connection delivered data (a drop then retries at once).
        self._healthy = False
        self._reached = False  # a handshake ever succeeded (unreachable vs. dropped)
        self._pending: dict[int, _Pending] = {}
        #: subscriptions waiting for the pacer: (request, symbols or None for all)
        self._outbox: deque[tuple[StreamRequest, list[str] | None]] = deque()
        self._pacer = SubscribePacer(
            options.subscribe_rate, options.subscribe_burst, clock=deps.clock
        )
        #: ``Exceeded msg rate`` replies received (zero when the pacing holds)
        self.rate_limited = 0
        self._token: str | None = None
        self._deadline: float | None = None
        self.handlers: dict[tuple[str, int | None], Handler] = {}
        for req in requests:
            self.handlers[(req.channel, req.interval)] = self._handler(req)
        self._by_channel: dict[str, Handler] = {}
        for (channel, _interval), handler in self.handlers.items():
            self._by_channel.setdefault(channel, handler)
        self._ohlc = {k[1]: h for k, h in self.handlers.items() if k[0] == "ohlc"}
        trades = self._by_channel.get("trade")
        #: the trade handler when its backfills run beside the reads (polled by the loop)
        self._filler = trades if isinstance(trades, TradeHandler) and trades.pager else None

    def _handler(self, req: StreamRequest) -> Handler:
        if req.channel == "trade":
            fetch, make_pager = self.deps.fetch_trades, self.deps.trade_pager
            pager = make_pager(fetch, self.deps.sleep) if make_pager and fetch else None
            resume, hold_max = self.options.resume_trades, self.options.trade_hold_max
            return TradeHandler(self, req, fetch, resume=resume, pager=pager, hold_max=hold_max)
        if req.channel == "ohlc":
            return OhlcHandler(self, req, self.deps.fetch_ohlc, tail=self.options.count)
        if req.channel == "book":
            return BookHandler(
                self,
                req,
                levels=self.options.levels,
                updates=self.options.updates,
                max_failures=self.options.max_book_failures,
            )
        if req.channel == "ticker":
            return TickerHandler(self, req)
        if req.channel == "instrument":
            return InstrumentHandler(self, req)
        return PrivateHandler(self, req)

    # -- Context for the handlers ------------------------------------------------------------
    def emit(self, record: Record) -> None:
        """Write one data record (with the rest of its message); stop when --count is reached."""
        self._batch.append(record)
        self.emitted += 1
        if self.emitted == self.options.count:
            raise _Stop

    def flush(self) -> None:
        """Write the records emitted since the last flush."""
        batch = self._batch
        if batch:
            self._batch = []
            self._write_many(batch)

    def event(self, name: str, **fields: Any) -> None:
        """Report a non-data event (reconnect, backfill, resync, gap)."""
        self.flush()  # the records before it come first
        self._on_event({"event": name, **fields})

    def resubscribe(self, request: StreamRequest, symbol: str) -> None:
        """Unsubscribe then subscribe one symbol of a request (a fresh snapshot follows)."""
        ws = self._ws
        if ws is None:
            return
        ws.unsubscribe(request.params([symbol], self._token))
        self._outbox.append((request, [symbol]))
        self._send_paced(ws)

    def sleep(self, seconds: float) -> None:
        """Wait (the injected sleep)."""
        self.deps.sleep(seconds)

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> int:
        """Stream until --count / --duration (return records written) or a fatal error."""
        opts = self.options
        clock = self.deps.clock
        self._deadline = None if opts.duration_s is None else clock() + opts.duration_s
        connects: deque[float] = deque()
        attempt = 0
        ever_connected = False
        reason = ""
        try:
            while True:
                if attempt:
                    delay = self._backoff(attempt, connects, clock())
                    self.reconnects += 1
                    self.event("reconnect", attempt=attempt, delay_s=round(delay, 3), reason=reason)
                    if self._deadline is not None and clock() + delay >= self._deadline:
                        if not self._reached:  # --duration never hides an unreachable server
                            raise NetworkError(
                                f"no connection before --duration ran out: {reason}",
                                hint="check the network or KRX_WS_URL",
                            )
                        return self.emitted
                    if delay > 0:
                        self.deps.sleep(delay)
                connects.append(clock())
                try:
                    self._session(reconnect=ever_connected)
                except ConnectionLost as lost:
                    reason, healthy = lost.reason, lost.healthy
                except NetworkError as exc:
                    reason, healthy = exc.message, False
                if healthy:
                    ever_connected = True
                    attempt = 1
                else:
                    attempt += 1
                if attempt > opts.max_attempts:
                    msg = f"gave up after {opts.max_attempts} connection attempts: {reason}"
                    if ever_connected:
                        raise IntegrityError(msg, hint="the stream could not be kept consistent")
                    raise NetworkError(msg, hint="check the network or KRX_WS_URL")
        except _Stop:
            return self.emitted
        finally:
            self.flush()
            for handler in self.handlers.values():
                handler.close()
            if self._ws is not None:
                self._ws.close()
                self._ws = None

    def _backoff(self, attempt: int, connects: deque[float], now: float) -> float:
        """Return the delay before connect number ``attempt`` (1 = right after a drop)."""
        opts = self.options
        # first retry right away (a random drop); then exponential with jitter
        delay = 0.0
        if attempt > 1:
            cap = min(opts.backoff_max_s, opts.backoff_base_s * 2 ** (attempt - 2))
            delay = cap * (0.5 + self.rng.random() / 2)
        while connects and now - connects[0] >= opts.window_s:
            connects.popleft()
        if len(connects) >= opts.window_connects:
            # stay under Cloudflare's per-IP connect limit: wait for the window to free up
            delay = max(delay, connects[0] + opts.window_s - now)
        return delay

    def _session(self, *, reconnect: bool) -> None:
        """Run one connection; raise ConnectionLost(reason, healthy) when it ends."""
        ws = self._open()
        self._reached = True
        self._healthy = False
        try:
            self._outbox.clear()
            self._pacer.reset()
            for req in self.requests:
                if not req.pairs or self.options.subscribe_batch <= 0:
                    self._outbox.append((req, None))  # one request: all its symbols
                else:
                    symbols = [p.symbol for p in req.pairs]
                    batch = self.options.subscribe_batch
                    self._outbox.extend((req, b) for b in batches(symbols, batch))
            self._send_paced(ws)
            if reconnect:
                for each in self.handlers.values():
                    each.after_reconnect()
            self._read(ws)
        except ConnectionLost as lost:
            raise ConnectionLost(lost.reason, self._healthy) from None
        finally:
            self.flush()
            ws.close()
            self._ws = None

    def _open(self) -> WsClient:
        """Connect (with a fresh token when private); the last connection's acks are void."""
        deps, opts = self.deps, self.options
        url = deps.ws_auth_url if self.private and deps.ws_auth_url else deps.ws_url
        if deps.connect_gate is not None:
            deps.connect_gate()  # every shard's connects share one per-IP budget
        if self.private and deps.fetch_token is not None:
            self._token = deps.fetch_token()  # a new token for every connection
        ws = WsClient(
            url,
            connect=deps.connect,
            clock=deps.clock,
            tick_s=opts.tick_s,
            watchdog_s=opts.watchdog_s,
            ping_every_s=opts.ping_every_s,
        )
        ws.open()
        self._ws = ws
        self._pending.clear()
        return ws

    def _read(self, ws: WsClient) -> None:
        """Dispatch messages to the handlers until the connection is lost or the stream stops."""
        decode = self._decode
        by_channel = self._by_channel
        deadline = self._deadline
        pending = self._pending
        outbox = self._outbox
        filler = self._filler
        while True:
            if outbox:
                self._send_paced(ws)
            if filler is not None and filler.filling:
                filler.poll()  # backfill pages, between reads
                if self._batch and not ws.ready():
                    self.flush()
            text = ws.recv()
            if text is None:
                self._check_time(ws.now)
                continue
            try:
                msg = decode(text)
            except ValueError:
                raise ConnectionLost(f"not JSON: {text[:80]!r}") from None
            channel = msg.get("channel")
            handler = by_channel.get(channel) if channel is not None else None
            if handler is not None and "method" not in msg:
                if channel == "ohlc" and len(self._ohlc) > 1:
                    self._dispatch_ohlc(msg)
                else:
                    handler.on_message(msg)
                batch = self._batch
                # records wait only while the next message is already here (then one write
                # carries several messages); never across a wait for the network
                if batch and (len(batch) >= _BATCH_MAX or not ws.ready()):
                    self.flush()
                self._healthy = True
            elif "method" in msg:
                self._on_method(msg)
            elif channel == "status":
                self._on_status(msg)
            if pending or deadline is not None:
                self._check_time(ws.now)

    def _dispatch_ohlc(self, msg: Record) -> None:
        for c in msg["data"]:
            handler = self._ohlc.get(c.get("interval"))
            if handler is not None:
                handler.on_message({**msg, "data": [c]})

    def _check_time(self, now: float) -> None:
        if self._deadline is not None and now >= self._deadline:
            raise _Stop
        for pending in self._pending.values():
            if now >= pending.deadline:
                raise ConnectionLost(f"no ack for {pending.method} {pending.channel}")

    # -- requests and acks -------------------------------------------------------------------
    def _send_paced(self, ws: WsClient) -> None:
        """Send the waiting subscriptions the pacer allows now (the rest wait for later reads)."""
        outbox = self._outbox
        while outbox:
            req, symbols = outbox[0]
            if not self._pacer.take(len(symbols) if symbols else max(1, len(req.pairs))):
                return
            outbox.popleft()
            self._subscribe(ws, req, symbols)

    def _subscribe(self, ws: WsClient, req: StreamRequest, symbols: list[str] | None) -> None:
        params = req.params(symbols, self._token)
        req_id = ws.subscribe(params)
        names = set(params.get("symbol") or [req.channel])
        deadline = ws.now + self.options.ack_timeout_s
        self._pending[req_id] = _Pending(req.channel, names, deadline, "subscribe", req)

    def _on_method(self, msg: Record) -> None:
        method = msg.get("method")
        if method not in ("subscribe", "unsubscribe"):
            return  # pong, or replies we do not track
        pending = self._pending.get(msg.get("req_id", -1))
        result = msg.get("result") or {}
        symbol = result.get("symbol") or msg.get("symbol")
        if msg.get("success"):
            if pending is not None:
                pending.symbols.discard(symbol or pending.channel)
                if not pending.symbols:
                    del self._pending[msg["req_id"]]
            if method == "subscribe":
                handler = self._by_channel.get(result.get("channel", ""))
                if handler is not None:
                    handler.on_ack(msg)
            return
        error = str(msg.get("error", "unknown error"))
        if method == "unsubscribe" or "already subscribed" in error.lower():
            return
        paced = self.options.subscribe_rate > 0
        if paced and EXCEEDED in error.lower() and pending and pending.request is not None:
            # refused whole: send its symbols again once the bucket has recovered
            del self._pending[msg["req_id"]]
            self.rate_limited += 1
            self._pacer.penalize(1.0)
            symbols = sorted(pending.symbols - {pending.channel}) or None
            self._outbox.append((pending.request, symbols))
            self.event("rate_limited", channel=pending.channel, symbols=len(symbols or ()))
            return
        raise _ack_error(error, symbol)

    def _on_status(self, msg: Record) -> None:
        for item in msg.get("data") or []:
            system = item.get("system")
            if system and system != "online":
                self.event("status", system=system)


def _each(emit: Callable[[Record], None]) -> Callable[[list[Record]], None]:
    """Return ``records -> None`` calling ``emit`` for each (a caller with no batch writer)."""

    def emit_all(records: list[Record]) -> None:
        for record in records:
            emit(record)

    return emit_all


def _ack_error(error: str, symbol: str | None) -> KrxError:
    """Map a failed subscribe ack to a KrxError."""
    if "pair not supported" in error.lower() or "symbol" in error.lower():
        return UnknownSymbolError(
            f"Kraken refused symbol {symbol or ''}: {error}".replace("  ", " "),
            hint="run `krx symbols` to list pairs",
        )
    if error.startswith("E"):
        return from_kraken([error])
    return KrakenError(f"Kraken refused the subscription: {error}", kraken=[error])
