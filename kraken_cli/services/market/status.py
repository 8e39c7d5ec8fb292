"""Exchange status and the local clock skew (pure; ``krx status`` and ``krx verify`` use it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# --- clock skew (pure; `krx verify` reuses it) ------------------------------------------------


@dataclass(frozen=True)
class SkewSample:
    """One NTP-style probe: local send/receive instants and the server's time (unix seconds)."""

    t0: float
    t1: float
    server: float
    resolution: float = 1.0

    @property
    def rtt(self) -> float:
        """Round-trip time in seconds."""
        return self.t1 - self.t0

    @property
    def offset(self) -> float:
        """Server minus local clock; a whole-second source counts as ``S + resolution/2``."""
        return self.server + self.resolution / 2 - (self.t0 + self.t1) / 2

    @property
    def skew(self) -> float:
        """Local minus server clock (positive: the local clock is ahead)."""
        return -self.offset

    @property
    def uncertainty(self) -> float:
        """Half the round trip plus half the source's resolution."""
        return self.rtt / 2 + self.resolution / 2


def best_sample(samples: Sequence[SkewSample]) -> SkewSample:
    """Return the probe with the smallest round trip (the least uncertain)."""
    if not samples:
        raise ValueError("no clock samples")
    return min(samples, key=lambda s: (s.rtt, s.uncertainty))


@dataclass(frozen=True)
class StatusReport:
    """Exchange status, server time and the measured local clock skew."""

    status: str
    server_time: datetime
    sample: SkewSample
    probes: int

    def to_record(self) -> dict[str, Any]:
        """Return the ``krx status`` record."""
        return {
            "status": self.status,
            "server_time": self.server_time,
            "local_time": datetime.fromtimestamp((self.sample.t0 + self.sample.t1) / 2, UTC),
            "skew_s": round(self.sample.skew, 3),
            "uncertainty_s": round(self.sample.uncertainty, 3),
            "rtt_ms": round(self.sample.rtt * 1000, 1),
            "probes": self.probes,
        }
