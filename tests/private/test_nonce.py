"""Nonces grow strictly per key across threads and processes, and are persisted."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from kraken_cli.client.nonce import BadStateError, KeyState, NonceSource, key_id, next_nonce
from kraken_cli.errors import ConfigError


def test_next_nonce_is_pure() -> None:
    assert next_nonce(100, 5) == 100
    assert next_nonce(100, 100) == 101
    assert next_nonce(100, 500) == 501  # the clock went back: keep growing


def test_state_file_is_named_by_hash_not_key(tmp_path: Path) -> None:
    source = NonceSource("my-secret-api-key", tmp_path, clock_ns=lambda: 10)
    source.next()
    names = [p.name for p in tmp_path.iterdir()]
    assert names and all("my-secret" not in n for n in names)
    assert source.state_path.name == key_id("my-secret-api-key") + ".json"


def test_persisted_across_instances_even_if_clock_lags(tmp_path: Path) -> None:
    assert NonceSource("k", tmp_path, clock_ns=lambda: 1_000).next() == 1_000
    assert NonceSource("k", tmp_path, clock_ns=lambda: 10).next() == 1_001
    assert NonceSource("other", tmp_path, clock_ns=lambda: 10).next() == 10


def test_unreadable_state_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    source = NonceSource("k", tmp_path, clock_ns=lambda: 77)
    tmp_path.mkdir(exist_ok=True)
    source.state_path.write_text("{not json")
    with pytest.raises(ConfigError) as info:
        source.next()
    assert str(source.state_path) in info.value.message and info.value.hint
    with pytest.raises(BadStateError):
        KeyState.from_json(["nope"])


def test_threads_get_distinct_increasing_nonces(tmp_path: Path) -> None:
    source = NonceSource("k", tmp_path, clock_ns=lambda: 5)  # frozen clock: worst case
    got: list[int] = []
    order_lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            with source.reserve() as state, order_lock:
                got.append(state.nonce)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 400
    assert got == sorted(got) and len(set(got)) == 400


def _worker(directory: str, count: int, log: str) -> None:
    source = NonceSource("shared-key", Path(directory))
    for _ in range(count):
        with source.reserve() as state, open(log, "a") as handle:
            # Written while the key lock is held: the log's line order is the lock order.
            handle.write(f"{state.nonce}\n")


def test_processes_get_strictly_increasing_nonces_in_lock_order(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_worker, args=(str(tmp_path / "state"), 50, str(log))) for _ in range(8)
    ]
    start = time.time_ns()
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    nonces = [int(line) for line in log.read_text().split()]
    assert len(nonces) == 400
    assert all(b > a for a, b in itertools.pairwise(nonces))
    assert nonces[0] >= start  # nanosecond scale
    assert NonceSource("shared-key", tmp_path / "state").last() == nonces[-1]
