"""The state every handler shares, and the dependency that hands it to them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from kraken_cli.models.segment import Market
from kraken_cli.serve.cache import AnswerCache
from kraken_cli.serve.flight import SingleFlight
from kraken_cli.serve.live import LiveState
from kraken_cli.serve.metrics import Metrics
from kraken_cli.serve.proof import VerifyRows
from kraken_cli.serve.sources import Sources
from kraken_cli.serve.streams import StreamHub
from kraken_cli.services.runtime import kraken_requests


@dataclass
class ServeState:
    """What every handler shares: the data sources, the token and the start instant."""

    sources: Sources
    token: str | None
    started: float = field(default_factory=time.monotonic)
    access_log: Callable[[str], None] | None = None
    metrics: Metrics = field(default_factory=Metrics)
    flight: SingleFlight = field(init=False)
    answers: AnswerCache = field(default_factory=AnswerCache)
    streams: StreamHub = field(init=False)
    verify: VerifyRows = field(init=False)
    #: The config's subscriptions kept live (None: ``--no-stream`` or none configured).
    live: LiveState | None = None

    def __post_init__(self) -> None:
        self.flight = SingleFlight(on_shared=self.metrics.flights.inc)
        self.verify = VerifyRows(self.sources.verify, self.flight)
        self.metrics.watch(
            lambda: self.live.streams() if self.live is not None else [],
            self.sources.key_budget,
            kraken_requests,
        )
        self.streams = StreamHub(
            lambda key, feed: self.sources.stream(Market(key[0]), key[1], key[2], feed)
        )


def state_of(request: Request) -> ServeState:
    """Return the app's shared state (a plain call: a FastAPI dependency costs per request)."""
    state: Any = request.app.state.krx
    return state  # type: ignore[no-any-return]
