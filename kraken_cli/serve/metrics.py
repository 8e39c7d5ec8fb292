"""Prometheus metrics of the Provider API (``GET /api/metrics``).

One registry per app (tests build several apps in one process); route labels are the route
templates, never the concrete paths, so a scan of random URLs cannot grow the label set.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
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

    def exposition(self) -> bytes:
        """Return the Prometheus text format."""
        return generate_latest(self.registry)
