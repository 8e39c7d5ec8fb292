"""Live streams for HTTP clients: one Kraken stream per (market, channel, symbol), fanned out.

However many clients follow ``BTC/USD`` trades, krx holds one WebSocket subscription for them
(Kraken's connection budget is shared, not multiplied). Each client has a bounded queue: a
client that falls behind by ``QUEUE_MAX`` records is cut off (told so in a last event) rather
than growing the server's memory. The stream stops when its last client leaves.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kraken_cli.errors import KrxError
from kraken_cli.output.sink import StreamOnlySink

Record = Mapping[str, Any]
QUEUE_MAX = 1000
#: What a client's queue receives when it fell behind, or when the stream failed.
OVERFLOW = {"event": "overflow", "message": "client too slow: disconnected"}


class ClientsGone(KrxError):
    """Raised into the stream engine when nobody listens any more (it stops the stream)."""


@dataclass
class Subscriber:
    """One HTTP client's bounded queue on its event loop."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Record | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_MAX)
    )
    overflowed: bool = False

    def offer(self, item: Record | None) -> None:
        """Queue an item from the stream's thread (None ends the client's stream)."""
        self.loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: Record | None) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True
            # make room for the notice and the end, so the client learns why it was cut off
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)
            self.queue.put_nowait(None)


class Feed(StreamOnlySink):
    """One running stream and its subscribers; a sink for the stream service."""

    def __init__(self, key: tuple[str, str, str], on_idle: Callable[[Feed], None]) -> None:
        self.key = key
        self.subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._on_idle = on_idle

    def add(self, subscriber: Subscriber) -> None:
        """Add a client."""
        with self._lock:
            self.subscribers.append(subscriber)

    def remove(self, subscriber: Subscriber) -> bool:
        """Remove a client; return whether none is left."""
        with self._lock:
            if subscriber in self.subscribers:
                self.subscribers.remove(subscriber)
            return not self.subscribers

    # -- the sink the stream writes into -----------------------------------------------------

    def write(self, record: Record) -> None:
        """Fan one record out; stop the stream when every client has left or overflowed."""
        with self._lock:
            live = [s for s in self.subscribers if not s.overflowed]
        if not live:
            raise ClientsGone("no client left")
        for subscriber in live:
            subscriber.offer(record)

    def write_event(self, event: Record) -> None:
        """Stream events (reconnect, resync, backfill) go to the clients as events."""
        for subscriber in list(self.subscribers):
            subscriber.offer({"event": event.get("event", "event"), **event})

    def close(self) -> None:
        """End every client's stream."""
        for subscriber in list(self.subscribers):
            subscriber.offer(None)

    def fail(self, error: BaseException) -> None:
        """Tell every client why the stream ended."""
        message = error.message if isinstance(error, KrxError) else type(error).__name__
        for subscriber in list(self.subscribers):
            subscriber.offer({"event": "error", "message": message})
            subscriber.offer(None)


class StreamHub:
    """Feeds by key; ``run_feed(key, feed)`` (in a thread) runs the stream into the feed."""

    def __init__(self, run_feed: Callable[[tuple[str, str, str], Feed], None]) -> None:
        self._run_feed = run_feed
        self._feeds: dict[tuple[str, str, str], Feed] = {}
        self._lock = threading.Lock()

    def subscribe(self, key: tuple[str, str, str], loop: asyncio.AbstractEventLoop) -> Subscriber:
        """Join (or start) the feed of ``key``."""
        subscriber = Subscriber(loop)
        with self._lock:
            feed = self._feeds.get(key)
            start = feed is None
            if feed is None:
                feed = self._feeds[key] = Feed(key, self._forget)
            feed.add(subscriber)
        if start:
            threading.Thread(target=self._run, args=(feed,), daemon=True).start()
        return subscriber

    def unsubscribe(self, key: tuple[str, str, str], subscriber: Subscriber) -> None:
        """Leave a feed (the stream stops at its next record when nobody is left)."""
        with self._lock:
            feed = self._feeds.get(key)
            if feed is not None and feed.remove(subscriber):
                del self._feeds[key]

    def active(self) -> list[tuple[str, str, str]]:
        """The feeds running now."""
        with self._lock:
            return list(self._feeds)

    def _run(self, feed: Feed) -> None:
        try:
            self._run_feed(feed.key, feed)
            feed.close()
        except ClientsGone:
            pass
        except BaseException as exc:  # the clients are told; the server carries on
            feed.fail(exc)
        finally:
            self._forget(feed)

    def _forget(self, feed: Feed) -> None:
        with self._lock:
            if self._feeds.get(feed.key) is feed:
                del self._feeds[feed.key]
