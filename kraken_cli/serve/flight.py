"""Single flight: identical concurrent requests share one computation (one Kraken download).

However many clients ask for the same uncached candles at once, Kraken sees one download; the
others wait for its result (or its error). Finished results are not kept: caching is the
history store's and the symbol cache's job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class _Call:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class SingleFlight:
    """Run ``compute`` once per key among concurrent callers."""

    def __init__(self, on_shared: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Hashable, _Call] = {}
        self._on_shared = on_shared

    def run(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Return ``compute()``'s result, computed once for all concurrent callers of ``key``."""
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if call is None:
                call = self._calls[key] = _Call()
        if not leader:
            if self._on_shared:
                self._on_shared()
            call.done.wait()
        else:
            try:
                call.result = compute()
            except BaseException as exc:
                call.error = exc
            finally:
                with self._lock:
                    del self._calls[key]
                call.done.set()
        if call.error is not None:
            raise call.error
        return call.result
