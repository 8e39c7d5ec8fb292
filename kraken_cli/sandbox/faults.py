"""Fault injection: the bounded, runtime-adjustable misbehaviours of the sandbox.

Set from CLI options at start and changed through ``POST /sandbox/faults`` (JSON); every fault
is bounded (counts, probabilities ≤ 0.5, delays ≤ 30 s, skew ≤ 1 day) so a test cannot wedge
the process.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields

HTML_520 = (
    "<!DOCTYPE html>\n<html><head><title>api.kraken.com | 520: Web server is returning an "
    'unknown error</title></head><body><div id="cf-error-details"><h1>Web server is returning'
    " an unknown error</h1><span>Error code 520</span><p>Cloudflare Ray ID: 8a1b2c3d4e5f6a7b"
    "</p></div></body></html>\n"
)


SYSTEM_STATUSES = ("online", "maintenance", "cancel_only", "post_only", "limit_only")


class FaultError(ValueError):
    """An invalid fault specification."""


def _int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FaultError(f"{name} must be an integer")
    number = int(value)
    if not low <= number <= high:
        raise FaultError(f"{name} must be within {low}..{high}")
    return number


def _real(value: object, name: str, low: float, high: float) -> float:
    # NaN passes every comparison-based bound check, so finiteness is tested first
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultError(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise FaultError(f"{name} must be within {low:g}..{high:g}")
    return number


@dataclass
class Faults:
    """Current fault settings and their remaining budgets."""

    drop_every: int = 0
    drop_random: float = 0.0
    corrupt_checksum_every: int = 0
    corrupt_symbol: str = "BTC/USD"
    corrupt_count: int = 0
    delay_ms: int = 0
    http_error_code: int = 520
    http_error_count: int = 0
    service_unavailable: int = 0
    skew_seconds: float = 0.0
    stall_after: int = 0
    permissions: list[str] | None = None
    system_status: str = "online"
    rng: random.Random = field(default_factory=lambda: random.Random(7), repr=False)

    def update(self, spec: dict[str, object]) -> None:
        """Apply a control-endpoint JSON object (unknown keys are an error)."""
        for key, value in spec.items():
            if key == "drop_every":
                self.drop_every = _int(value, key, 0, 1_000_000)
            elif key == "drop_random":
                self.drop_random = _real(value, key, 0, 0.5)
            elif key == "corrupt_checksum_every":
                self.corrupt_checksum_every = _int(value, key, 0, 1_000_000)
            elif key == "corrupt_checksum":
                if not isinstance(value, dict):
                    raise FaultError("corrupt_checksum must be {symbol, count}")
                self.corrupt_symbol = str(value.get("symbol", self.corrupt_symbol))
                self.corrupt_count = _int(value.get("count", 1), "count", 0, 1000)
            elif key == "delay_ms":
                self.delay_ms = _int(value, key, 0, 30_000)
            elif key == "http_error":
                if not isinstance(value, dict):
                    raise FaultError("http_error must be {code, count}")
                self.http_error_code = _int(value.get("code", 520), "code", 500, 599)
                self.http_error_count = _int(value.get("count", 1), "count", 0, 1000)
            elif key == "service_unavailable":
                self.service_unavailable = _int(value, key, 0, 1000)
            elif key == "skew_seconds":
                self.skew_seconds = _real(value, key, -86400, 86400)
            elif key == "stall_after":
                self.stall_after = _int(value, key, 0, 10_000_000)
            elif key == "permissions":
                if value is not None and not (
                    isinstance(value, list) and all(isinstance(v, str) for v in value)
                ):
                    raise FaultError("permissions must be a list of names or null")
                self.permissions = value
            elif key == "system_status":
                if value not in SYSTEM_STATUSES:
                    raise FaultError("system_status must be one of " + ", ".join(SYSTEM_STATUSES))
                self.system_status = str(value)
            elif key == "reset":
                self.reset()
            else:
                raise FaultError(f"unknown fault {key!r}")

    def reset(self) -> None:
        """Clear every fault."""
        fresh = Faults()
        for name in fields(self):
            if name.name != "rng":
                setattr(self, name.name, getattr(fresh, name.name))

    def to_json(self) -> dict[str, object]:
        """Render the current settings (the shape POST accepts)."""
        return {
            "drop_every": self.drop_every,
            "drop_random": self.drop_random,
            "corrupt_checksum_every": self.corrupt_checksum_every,
            "corrupt_checksum": {"symbol": self.corrupt_symbol, "count": self.corrupt_count},
            "delay_ms": self.delay_ms,
            "http_error": {"code": self.http_error_code, "count": self.http_error_count},
            "service_unavailable": self.service_unavailable,
            "skew_seconds": self.skew_seconds,
            "stall_after": self.stall_after,
            "permissions": self.permissions,
            "system_status": self.system_status,
        }

    def take_http_error(self) -> int | None:
        """Consume one injected HTTP error, returning its status code."""
        if self.http_error_count > 0:
            self.http_error_count -= 1
            return self.http_error_code
        return None

    def take_unavailable(self) -> bool:
        """Consume one injected ``EService:Unavailable``."""
        if self.service_unavailable > 0:
            self.service_unavailable -= 1
            return True
        return False

    def should_drop(self, sent_data: int) -> bool:
        """Decide whether to cut a WS connection after its ``sent_data``-th data message."""
        if self.drop_every and sent_data % self.drop_every == 0:
            return True
        return bool(self.drop_random) and self.rng.random() < self.drop_random

    def corrupt(self, symbol: str, book_messages: int) -> bool:
        """Decide whether this book message for ``symbol`` carries a wrong checksum."""
        if symbol != self.corrupt_symbol:
            return False
        if self.corrupt_count > 0:
            self.corrupt_count -= 1
            return True
        every = self.corrupt_checksum_every
        return bool(every) and book_messages % every == 0
