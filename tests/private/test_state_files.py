"""Nonce/limiter state files: validated on read, never followed through a symlink."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.cli.exit_codes import CONFIG, exit_code_for
from kraken_cli.client.nonce import NONCE_AHEAD_MARGIN_NS, NonceSource
from kraken_cli.errors import ConfigError

NOW_NS = 1_764_000_000 * 10**9


def _source(tmp_path: Path) -> NonceSource:
    return NonceSource("k", tmp_path, clock_ns=lambda: NOW_NS)


def _write(source: NonceSource, content: object) -> None:
    source.directory.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content)
    source.state_path.write_text(text)


@pytest.mark.parametrize(
    "state",
    [
        {"version": 1, "last_nonce": 10**26, "counter": 0, "counter_at": 0},
        {"version": 1, "last_nonce": -5},
        {"version": 1, "last_nonce": "123"},
        {"version": 1, "last_nonce": True},
        {"version": 1, "last_nonce": 1, "counter": 1e300},
        {"version": 1, "last_nonce": 1, "counter": -1},
        {"version": 1, "last_nonce": 1, "counter_at": 1e12},
        '{"last_nonce": 1, "counter": NaN}',
        '{"last_nonce": 1, "counter": Infinity}',
        "[1, 2]",
        "",
        "\x00\x01",
    ],
)
def test_implausible_state_is_refused_with_a_hint(tmp_path: Path, state: object) -> None:
    source = _source(tmp_path)
    _write(source, state)
    before = source.state_path.read_bytes()
    with pytest.raises(ConfigError) as info:
        source.next()
    assert exit_code_for(info.value) == CONFIG
    assert "delete" in (info.value.hint or "")
    assert source.state_path.read_bytes() == before  # left for the user to inspect


def test_a_nonce_a_little_ahead_of_the_clock_is_still_used(tmp_path: Path) -> None:
    source = _source(tmp_path)
    ahead = NOW_NS + NONCE_AHEAD_MARGIN_NS - 1
    _write(source, {"version": 1, "last_nonce": ahead, "counter": 3.5, "counter_at": 1.0})
    assert source.next() == ahead + 1


@settings(max_examples=150, deadline=None)
@given(
    raw=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["last_nonce", "counter", "counter_at", "version", "x"]), inner
            )
        ),
        max_leaves=8,
    )
)
def test_any_state_is_used_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, raw: object
) -> None:
    source = _source(tmp_path_factory.mktemp("state"))
    _write(source, json.dumps(raw, allow_nan=True))
    try:
        nonce = source.next()
    except ConfigError:
        return
    assert NOW_NS <= nonce <= NOW_NS + NONCE_AHEAD_MARGIN_NS + 1


def test_state_writes_never_follow_a_planted_symlink(tmp_path: Path) -> None:
    source = _source(tmp_path)
    source.directory.mkdir(parents=True, exist_ok=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    tmp = source.state_path.with_suffix(f".tmp{os.getpid()}.{__import__('threading').get_ident()}")
    tmp.symlink_to(victim)
    source.next()
    assert victim.read_text() == "keep me"
    assert not source.state_path.is_symlink()


def test_a_symlinked_state_file_is_refused(tmp_path: Path) -> None:
    source = _source(tmp_path)
    source.directory.mkdir(parents=True, exist_ok=True)
    victim = tmp_path / "victim.json"
    victim.write_text(json.dumps({"last_nonce": 1}))
    source.state_path.symlink_to(victim)
    with pytest.raises(ConfigError):
        source.next()
    assert json.loads(victim.read_text()) == {"last_nonce": 1}
