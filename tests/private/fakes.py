"""Test doubles for the private client: a scripted HTTP core."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kraken_cli.client.retry import RetryPolicy, run_with_retry
from kraken_cli.errors import KrxError


class FakeHttp:
    """Answers ``send`` from a script of results or exceptions; records what was sent."""

    def __init__(self, script: list[Any], policy: RetryPolicy | None = None) -> None:
        self.script = list(script)
        self.sent: list[dict[str, Any]] = []
        self.sleeps: list[float] = []
        self.policy = policy or RetryPolicy(max_attempts=3)

    def send(
        self,
        verb: str,
        path: str,
        *,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        self.sent.append({"verb": verb, "path": path, "body": body, "headers": dict(headers or {})})
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(path, body)
        return item

    def close(self) -> None:
        pass

    def with_retry(
        self,
        attempt_fn: Callable[[int], Any],
        *,
        on_retry: Callable[[int, float, KrxError], None] | None = None,
    ) -> Any:
        return run_with_retry(
            attempt_fn, self.policy, sleep=self.sleeps.append, rng=lambda: 0.0, on_retry=on_retry
        )
