"""A scripted fake WebSocket (injected connect factory), a fake REST, a list sink (shared clock)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kraken_cli.client.ws import WsClosed, WsTimeout
from tests.support.fakes import FakeClock

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"

TIMEOUT = object()  # the recv times out (the fake clock advances by one tick)
DROP = object()  # the connection drops


def sample(name: str) -> Any:
    """Load a sample file as text lines (for .json arrays: one raw frame per line)."""
    return (SAMPLES / name).read_text()


def raw_frames(name: str) -> list[str]:
    """Return the raw wire frames of a sample written one frame per line in a JSON array."""
    lines = [ln.rstrip(",") for ln in sample(name).splitlines()]
    return [ln for ln in lines if ln.startswith("{")]


class FakeWs:
    """One connection: replays a script; answers subscribe requests with acks."""

    def __init__(self, script: list[Any], clock: FakeClock, tick: float, auto_ack: bool) -> None:
        self.script = deque(script)
        self.clock = clock
        self.tick = tick
        self.auto_ack = auto_ack
        self.sent: list[dict[str, Any]] = []
        self.inbox: deque[str] = deque()
        self.closed = False

    def send(self, payload: str) -> None:
        if self.closed:
            raise WsClosed("closed")
        msg = json.loads(payload)
        self.sent.append(msg)
        if not self.auto_ack or msg["method"] not in ("subscribe", "unsubscribe"):
            return
        params = msg["params"]
        for sym in params.get("symbol") or [None]:
            result = {k: v for k, v in params.items() if k not in ("symbol", "token")}
            if sym is not None:
                result["symbol"] = sym
            self.inbox.append(
                json.dumps(
                    {
                        "method": msg["method"],
                        "req_id": msg["req_id"],
                        "result": result,
                        "success": True,
                        "time_in": "2026-07-19T17:54:39.000000Z",
                        "time_out": "2026-07-19T17:54:39.000001Z",
                    }
                )
            )

    def recv(self) -> str:
        if self.closed:
            raise WsClosed("closed")
        if self.inbox:
            return self.inbox.popleft()
        if not self.script:
            self.clock.advance(self.tick)
            raise WsTimeout()
        item = self.script.popleft()
        if item is TIMEOUT:
            self.clock.advance(self.tick)
            raise WsTimeout()
        if item is DROP:
            self.closed = True
            raise WsClosed("dropped")
        if callable(item):
            item(self)
            return self.recv()
        return item if isinstance(item, str) else json.dumps(item)

    def close(self) -> None:
        self.closed = True


class FakeConnect:
    """The injected connect factory: one script per connection, then refuses."""

    def __init__(self, scripts: list[list[Any]], clock: FakeClock, auto_ack: bool = True) -> None:
        self.scripts = deque(scripts)
        self.clock = clock
        self.auto_ack = auto_ack
        self.conns: list[FakeWs] = []
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> FakeWs:
        self.urls.append(url)
        if not self.scripts:
            raise ConnectionRefusedError("refused")
        script = self.scripts.popleft()
        if script and callable(script[0]):
            script[0]()  # what happened while disconnected (e.g. REST learns new trades)
            script = script[1:]
        ws = FakeWs(script, self.clock, timeout, self.auto_ack)
        self.conns.append(ws)
        return ws


BASE_NS = 1_784_483_700_000_000_000  # 2026-07-19T17:55:00Z


def tid_ns(tid: int) -> int:
    """The fake tape's time of a trade: one per millisecond."""
    return BASE_NS + tid * 1_000_000


def tid_iso(tid: int) -> str:
    from datetime import UTC, datetime

    ns = tid_ns(tid)
    base = datetime.fromtimestamp(ns // 10**9, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{ns % 10**9 // 1000:06d}Z"


def trade_msg(*tids: int, sym: str = "BTC/USD") -> str:
    items = ",".join(
        json.dumps(
            {
                "symbol": sym,
                "side": "buy",
                "price": 0,
                "qty": 1,
                "ord_type": "limit",
                "trade_id": t,
                "timestamp": tid_iso(t),
            }
        )
        .replace('"price": 0', '"price": 64525.0')
        .replace('"qty": 1', '"qty": 0.00100000')
        for t in tids
    )
    return '{"channel":"trade","type":"update","data":[' + items + "]}"


class FakeTrades:
    """REST Trades over a tape of trade ids: rows after the ``since`` cursor, paged."""

    def __init__(self, ids: range | list[int], page: int = 50) -> None:
        self.ids = list(ids)
        self.page = page
        #: REST only knows trades up to this id (None: all)
        self.upto: int | None = None
        self.calls: list[tuple[str, str | None]] = []

    @staticmethod
    def row(tid: int) -> list[Any]:
        ns = tid_ns(tid)
        return [
            "64525.00000",
            "0.00100000",
            f"{ns // 10**9}.{ns % 10**9:09d}"[:-2],
            "b",
            "l",
            "",
            tid,
        ]

    def __call__(self, pair: str, since: str | None) -> tuple[list[list[Any]], str | None]:
        self.calls.append((pair, since))
        cursor = int(since or 0)
        known = [t for t in self.ids if self.upto is None or t <= self.upto]
        rows = [self.row(t) for t in known if tid_ns(t) > cursor][: self.page]
        last = str(tid_ns(int(rows[-1][6]))) if rows else since
        return rows, last


class ListSink:
    """A sink that keeps everything: what a Parquet or SSE sink looks like to a service."""

    def __init__(self) -> None:
        self.records: list[Mapping[str, Any]] = []
        self.events: list[Mapping[str, Any]] = []
        self.closed = False

    def write_records(
        self,
        records: Iterable[Mapping[str, Any]],
        columns: Sequence[str] | None = None,
        *,
        title: str | None = None,
        view: Any = None,
    ) -> int:
        before = len(self.records)
        self.records.extend(records)
        return len(self.records) - before

    def write_object(self, obj: Mapping[str, Any]) -> None:
        self.records.append(obj)

    def write(self, record: Mapping[str, Any]) -> None:
        self.records.append(record)

    def write_many(self, records: Sequence[Mapping[str, Any]]) -> None:
        self.records.extend(records)

    def write_event(self, event: Mapping[str, Any]) -> None:
        self.events.append(event)

    def close(self) -> None:
        self.closed = True
