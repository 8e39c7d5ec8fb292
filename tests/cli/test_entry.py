"""The console script: the collector is off while krx imports and on while a command runs."""

from __future__ import annotations

import gc

import pytest

from kraken_cli.cli import app, entry


def test_a_command_runs_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def command() -> None:
        seen.append(gc.isenabled())  # `krx serve` runs for days: its garbage must be collected
        raise SystemExit(3)

    monkeypatch.setattr(app, "main", command)
    try:
        with pytest.raises(SystemExit) as done:
            entry.main()
    finally:
        gc.unfreeze()  # give this test process its collector back as it was
        gc.enable()
    assert seen == [True] and done.value.code == 3
