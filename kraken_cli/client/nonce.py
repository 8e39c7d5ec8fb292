"""Per-key nonces that grow strictly across threads and processes, and the per-key lock.

Kraken wants every private call on a key to carry a nonce larger than any it accepted before
(https://docs.kraken.com/api/docs/guides/spot-rest-auth). Two things break that when several
krx processes share one key: two processes picking the same nonce, and requests overtaking each
other on the wire (a larger nonce accepted first makes the smaller one "EAPI:Invalid nonce").

krx therefore keeps, per key, one small state file in ``settings.state_dir()`` (named by a hash
of the key, never the key) and an exclusive ``fcntl.flock`` on a sibling lock file. A private call
holds that lock from the moment it draws its nonce until Kraken has answered, so calls on one key
are serialised across processes and reach Kraken in nonce order. The same locked state carries
the REST call counter (``client.ratelimit``), so pacing is shared too.

Nonces are nanoseconds since the epoch: ``max(now_ns, last + 1)``. Nanoseconds are the largest
scale in common use, so switching to krx never "poisons" a key used by a millisecond tool.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kraken_cli.errors import ConfigError

#: Bumped if the state file's meaning changes.
STATE_VERSION = 1
#: How far ahead of the clock a persisted nonce may be (clock steps back, bursts of calls).
#: Beyond it the file is refused: using it would push the key's nonce out of reach of every
#: other tool (Kraken keeps the largest nonce it accepted).
NONCE_AHEAD_MARGIN_NS = 86_400 * 10**9
#: Largest plausible REST counter (Kraken's tiers top out at 20) and clock lead of its stamp.
MAX_COUNTER = 1_000.0
COUNTER_AHEAD_MARGIN_S = 86_400.0
_MAX_STATE_BYTES = 64 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class BadStateError(ValueError):
    """A state file that krx did not write (or a clock far behind it)."""


def next_nonce(now_ns: int, last: int) -> int:
    """Return the next nonce: the clock in nanoseconds, or ``last + 1`` if the clock lags."""
    return max(now_ns, last + 1)


def key_id(api_key: str) -> str:
    """Return a file-name-safe id for a key: a SHA-256 prefix (the key itself is never stored)."""
    return hashlib.sha256(api_key.strip().encode()).hexdigest()[:24]


@dataclass
class KeyState:
    """The locked, persisted state of one API key: last nonce and the REST call counter."""

    last_nonce: int = 0
    #: REST call counter as krx last computed it, and the wall time it was computed at.
    counter: float = 0.0
    counter_at: float = 0.0
    #: The nonce drawn for the call in progress (0 when none was drawn).
    nonce: int = 0

    def to_json(self) -> dict[str, object]:
        """Return the persisted form (the in-flight ``nonce`` is folded into ``last_nonce``)."""
        return {
            "version": STATE_VERSION,
            "last_nonce": max(self.last_nonce, self.nonce),
            "counter": self.counter,
            "counter_at": self.counter_at,
        }

    @classmethod
    def from_json(cls, raw: object, now_ns: int | None = None) -> KeyState:
        """Parse and check the persisted form; raise BadStateError for anything krx never writes.

        ``now_ns`` (the clock) bounds the nonce: at most NONCE_AHEAD_MARGIN_NS ahead.
        """
        if not isinstance(raw, dict):
            raise BadStateError("not a JSON object")
        nonce, counter, at = (raw.get(k, d) for k, d in _FIELDS)
        if isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0:
            raise BadStateError("last_nonce is not a non-negative integer")
        if not all(_finite(v) for v in (counter, at)) or not 0 <= counter <= MAX_COUNTER:
            raise BadStateError("the call counter is not a plausible number")
        if now_ns is not None:
            if nonce > now_ns + NONCE_AHEAD_MARGIN_NS:
                ahead = (nonce - now_ns) / 1e9 / 86_400
                raise BadStateError(f"last_nonce is {ahead:.3g} days ahead of the clock")
            if at > now_ns / 1e9 + COUNTER_AHEAD_MARGIN_S:
                raise BadStateError("the counter's time stamp is ahead of the clock")
        return cls(last_nonce=nonce, counter=float(counter), counter_at=float(at))


_FIELDS = (("last_nonce", 0), ("counter", 0.0), ("counter_at", 0.0))


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class NonceSource:
    """Hands out nonces for one key under a cross-process lock, persisting the last one."""

    def __init__(
        self,
        api_key: str,
        directory: Path | None = None,
        *,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        if directory is None:
            from kraken_cli.config.settings import state_dir

            directory = state_dir() / "keys"
        self.directory = directory
        ident = key_id(api_key)
        self.state_path = directory / f"{ident}.json"
        self.lock_path = directory / f"{ident}.lock"
        self._clock_ns = clock_ns
        # flock locks belong to an open file description, so each acquisition opens the lock
        # file anew; the thread lock only keeps this process's threads from busy-contending.
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def reserve(self) -> Iterator[KeyState]:
        """Lock the key (threads and processes), yield its state with a fresh ``nonce``.

        Keep the block open until the request using the nonce has been answered; the state
        (nonce and any counter change) is persisted when the block ends, even on error.
        """
        with self._thread_lock, self._file_lock():
            state = self._read()
            state.nonce = next_nonce(self._clock_ns(), state.last_nonce)
            # Persist before sending: even if this process dies mid-request, the next one
            # never reuses the nonce.
            self._write(state)
            try:
                yield state
            finally:
                self._write(state)

    def next(self) -> int:
        """Draw one nonce (lock, bump, persist, unlock); for callers that need no ordering."""
        with self.reserve() as state:
            return state.nonce

    def last(self) -> int:
        """Return the last nonce persisted for this key (0 if none)."""
        return self.peek().last_nonce

    def peek(self) -> KeyState:
        """Return the key's persisted state (nonce and call counter) without drawing a nonce."""
        with self._thread_lock, self._file_lock():
            return self._read()

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"cannot open the nonce lock file {self.lock_path}: {exc.strerror}",
                hint="krx keeps per-key nonce state in its state dir; check its permissions "
                "(XDG_STATE_HOME)",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _read(self) -> KeyState:
        try:
            fd = os.open(self.state_path, os.O_RDONLY | _NOFOLLOW)
        except FileNotFoundError:
            return KeyState()
        except OSError as exc:
            raise self._bad(f"cannot be opened ({exc.strerror})") from exc
        try:
            with os.fdopen(fd, "rb") as handle:
                data = handle.read(_MAX_STATE_BYTES + 1)
            if len(data) > _MAX_STATE_BYTES:
                raise BadStateError("too large")
            return KeyState.from_json(json.loads(data), self._clock_ns())
        except (BadStateError, ValueError, OSError, RecursionError) as exc:
            raise self._bad(
                str(exc) if isinstance(exc, BadStateError) else "is not krx's JSON"
            ) from exc

    def _bad(self, problem: str) -> ConfigError:
        return ConfigError(
            f"the nonce state file {self.state_path} is unusable: {problem}",
            hint="krx writes this file itself; if the system clock is right, delete the file"
            " (nonces restart from the clock). If another tool pushed this key's nonce that far,"
            " create a new API key for krx",
        )

    def _write(self, state: KeyState) -> None:
        # Write-then-rename: a crash mid-write never leaves a truncated file behind.
        tmp = self.state_path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)  # a stale temp (or a planted link) is removed, never followed
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(state.to_json(), handle)
            os.replace(tmp, self.state_path)
        except OSError as exc:
            raise ConfigError(
                f"cannot persist the nonce state {self.state_path}: {exc.strerror}",
                hint="check the permissions and free space of krx's state dir",
            ) from exc


class MsNonce:
    """Millisecond nonces, strictly increasing within the process (futures tolerates reorder)."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._last = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, int(self._wall() * 1000))
            return self._last
