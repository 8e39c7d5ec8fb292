"""The runtime proof: verify's checks per segment, each stream's health, the key's headroom.

Verify's private probes spend the key's call counter (about 7 of a starter key's 15), so its
rows are kept for a while instead of being re-run for every poll of
``/api/exchanges/runtime-proof``; concurrent polls share one run (single flight).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kraken_cli.models.segment import Market
from kraken_cli.serve.flight import SingleFlight

#: How long passing verify rows are reused; a failure is re-checked sooner.
VERIFY_TTL_S = 300.0
FAILED_TTL_S = 30.0

Rows = list[dict[str, Any]]


class VerifyRows:
    """Verify's rows of each segment, re-run at most once per TTL.

    Only the first poll waits for verify; later ones get the last rows at once while a stale
    set is refreshed in the background (verify against an unreachable Kraken takes its whole
    retry budget, and a monitor polling runtime-proof must not hang on it).
    """

    def __init__(
        self,
        verify: Callable[[Market], Rows],
        flight: SingleFlight,
        *,
        clock: Callable[[], float] = time.monotonic,
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self._verify = verify
        self._flight = flight
        self._clock = clock
        self._spawn = spawn or _daemon_thread
        self._lock = threading.Lock()
        self._kept: dict[Market, tuple[float, Rows]] = {}
        self._refreshing: set[Market] = set()

    def rows(self, market: Market) -> Rows:
        """Return the segment's verify rows (the last ones; run now when there are none)."""
        with self._lock:
            kept = self._kept.get(market)
            refresh = kept is not None and self._clock() >= kept[0]
            refresh = refresh and market not in self._refreshing
            if refresh:
                self._refreshing.add(market)
        if kept is None:
            rows: Rows = self._flight.run(("verify", market), lambda: self._run(market))
            return rows
        if refresh:
            self._spawn(lambda: self._refresh(market))
        return kept[1]

    def _refresh(self, market: Market) -> None:
        try:
            self._run(market)
        finally:
            with self._lock:
                self._refreshing.discard(market)

    def _run(self, market: Market) -> Rows:
        rows = self._verify(market)
        passed = all(r["ok"] for r in rows if r.get("required", True))
        with self._lock:
            self._kept[market] = (self._clock() + (VERIFY_TTL_S if passed else FAILED_TTL_S), rows)
        return rows


def _daemon_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="krx-serve-verify", daemon=True).start()


def connector(
    market: Market, checks: Rows, streams: Sequence[dict[str, Any]], budget: Any
) -> dict[str, Any]:
    """Return one connector entry: ERROR when Kraken is unreachable and nothing streams."""
    reachable = all(c["ok"] for c in checks if "connectivity" in c["check"])
    passed = all(c["ok"] for c in checks if c.get("required", True))
    live = all(s["connected"] for s in streams)
    if passed and live:
        status = "ACTIVE"
    elif reachable or any(s["connected"] for s in streams):
        status = "DEGRADED"
    else:
        status = "ERROR"
    return {
        "connectorType": "kraken",
        "marketType": market.value,
        "status": status,
        "checks": checks,
        "streams": list(streams),
        "rateLimit": budget,
    }
