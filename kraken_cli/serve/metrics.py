"""Prometheus metrics of the Provider API (``GET /api/metrics``).

One registry per app (tests build several apps in one process); route labels are the route
templates, never the concrete paths, so a scan of random URLs cannot grow the label set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

#: Seconds; tuned for a cached answer (~ms) up to a long history download.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The app's counters and histograms."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "krx_http_requests",
            "HTTP requests answered, by route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "krx_http_request_seconds",
            "Time to answer, by route template.",
            ("route",),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.flights = Counter(
            "krx_single_flight_shared",
            "Requests answered by joining an identical request already in flight.",
            registry=self.registry,
        )

        # labelled children by label values: ``labels()`` costs microseconds per call
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def watch(
        self,
        streams: Callable[[], Sequence[dict[str, Any]]],
        budget: Callable[[], dict[str, float] | None],
        kraken_requests: Callable[[], dict[str, int]],
    ) -> None:
        """Export stream health, the key's limiter and Kraken calls, read at each scrape."""
        self.registry.register(_LiveCollector(streams, budget, kraken_requests))

    def exposition(self) -> bytes:
        """Return the Prometheus text format."""
        return generate_latest(self.registry)


#: Stream health counters of the runtime proof -> their metric names.
_STREAM_COUNTERS = {
    "reconnects": "krx_stream_reconnects",
    "checksumFailures": "krx_stream_checksum_failures",
    "resyncs": "krx_stream_resyncs",
    "gapsRepaired": "krx_stream_gaps_repaired",
}


class _LiveCollector:
    """Gauges and counters computed when scraped (the same figures as the runtime proof)."""

    def __init__(
        self,
        streams: Callable[[], Sequence[dict[str, Any]]],
        budget: Callable[[], dict[str, float] | None],
        kraken_requests: Callable[[], dict[str, int]],
    ) -> None:
        self._streams = streams
        self._budget = budget
        self._kraken_requests = kraken_requests

    def collect(self) -> Iterator[Metric]:
        """Yield Kraken calls, the limiter and per-stream metrics."""
        sent = CounterMetricFamily(
            "krx_kraken_requests",
            "REST requests sent to Kraken by this process, by outcome (HTTP status or error).",
            labels=("outcome",),
        )
        for outcome, count in sorted(self._kraken_requests().items()):
            sent.add_metric([outcome], count)
        yield sent
        budget = self._budget()
        if budget is not None:
            for key, help_text in (
                ("counter", "The spot key's call counter now (Kraken's decaying counter)."),
                ("max", "Kraken's maximum for the key's counter (its tier)."),
                ("headroom", "Room left on the key's counter before Kraken refuses calls."),
            ):
                yield GaugeMetricFamily(f"krx_limiter_{key}", help_text, value=budget[key])
        labels = ("channel", "symbol")
        age = GaugeMetricFamily(
            "krx_stream_last_message_age_seconds",
            "Age of each stream's last message.",
            labels=labels,
        )
        connected = GaugeMetricFamily(
            "krx_stream_connected", "1 when the stream's last message is fresh.", labels=labels
        )
        counters = {
            key: CounterMetricFamily(name, f"Stream {key} so far.", labels=labels)
            for key, name in _STREAM_COUNTERS.items()
        }
        for stream in self._streams():
            values = [stream["channel"], stream["symbol"]]
            if stream["lastMessageAgeMs"] is not None:
                age.add_metric(values, stream["lastMessageAgeMs"] / 1000)
            connected.add_metric(values, 1.0 if stream["connected"] else 0.0)
            for key, family in counters.items():
                family.add_metric(values, stream[key])
        yield age
        yield connected
        yield from counters.values()
