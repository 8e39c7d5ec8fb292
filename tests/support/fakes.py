"""The fakes every test folder shares: injected clocks that move only when a test moves them."""

from __future__ import annotations

#: The sandbox tests' "now": 2026-09-21T14:13:20Z in integer nanoseconds.
SANDBOX_NOW_NS = 1_790_000_000 * 1_000_000_000


class FakeClock:
    """A seconds clock (monotonic or wall) that sleeping advances; every sleep is recorded."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeNsClock:
    """An integer nanosecond clock (the sandbox's): it moves only when a test sets ``ns``."""

    def __init__(self, start_ns: int = SANDBOX_NOW_NS) -> None:
        self.ns = start_ns

    def __call__(self) -> int:
        return self.ns
