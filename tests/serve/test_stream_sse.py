"""Server-Sent Events: records arrive, clients share one Kraken stream, a slow one is cut off."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from starlette.testclient import TestClient

from kraken_cli.serve.streams import OVERFLOW, QUEUE_MAX, Feed, StreamHub, Subscriber
from tests.serve.conftest import AUTH


@pytest.mark.e2e
def test_trades_arrive_as_sse_data_lines(client: TestClient) -> None:
    url = "/api/stream/kraken/spot/trades/BTCUSD"
    assert client.get(url).status_code == 401
    records = []
    with client.stream("GET", url, headers=AUTH) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                records.append(json.loads(line[6:]))
            if len(records) == 3:
                break
    assert {r["channel"] for r in records} == {"trade"}
    ids = [r["trade_id"] for r in records]
    assert ids == sorted(ids) and all(isinstance(r["price"], str) for r in records)


def test_clients_of_one_stream_share_one_feed_and_it_stops_without_them() -> None:
    started = threading.Event()
    release = threading.Event()
    feeds: list[Feed] = []

    def run_feed(key: tuple[str, str, str], feed: Feed) -> None:
        feeds.append(feed)
        started.set()
        release.wait(5)

    hub = StreamHub(run_feed)
    loop = asyncio.new_event_loop()
    try:
        key = ("spot", "trades", "BTCUSD")
        first, second = hub.subscribe(key, loop), hub.subscribe(key, loop)
        started.wait(5)
        assert len(feeds) == 1 and hub.active() == [key]
        hub.unsubscribe(key, first)
        assert hub.active() == [key]
        hub.unsubscribe(key, second)
        assert hub.active() == []
    finally:
        release.set()
        loop.close()


def test_a_slow_client_is_told_and_cut_off_at_the_bound() -> None:
    loop = asyncio.new_event_loop()
    try:
        subscriber = Subscriber(loop)
        for n in range(QUEUE_MAX + 5):
            subscriber.offer({"channel": "trade", "trade_id": n})
        loop.run_until_complete(asyncio.sleep(0))
        assert subscriber.overflowed
        items = [subscriber.queue.get_nowait() for _ in range(subscriber.queue.qsize())]
        assert items == [OVERFLOW, None]  # memory bounded: nothing else is kept
    finally:
        loop.close()
