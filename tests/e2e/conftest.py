"""Fixtures that run the real sandbox process (and the ``krx`` CLI against it).

* ``sandbox`` (session): one sandbox started with ``--port 0 --seed 1``;
* ``sandbox_factory(**options)``: a private sandbox with its own options (tier, faults ...);
  keyword names are the CLI options with ``_`` for ``-`` (``drop_every=5`` -> ``--drop-every 5``,
  ``allow_remote=True`` -> ``--allow-remote``);
* ``krx(*args)``: runs ``python -m kraken_cli --sandbox ARGS`` against the session sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.env import REPO_ROOT, krx_env

READY_TIMEOUT_S = 20.0
#: "krx sandbox ready", REST, WS, WS auth, API key, API secret, Futures, Futures WS.
READY_LINES = 8


def _sign(secret: str, path: str, nonce: str, body: str) -> str:
    inner = hashlib.sha256((nonce + body).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), path.encode() + inner, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class SandboxHandle:
    """A running sandbox process and helpers to talk to it."""

    process: subprocess.Popen[str]
    state_file: Path
    rest_url: str
    ws_url: str
    ws_auth_url: str
    api_key: str
    api_secret: str
    ready_lines: list[str]
    futures_url: str = ""
    futures_ws_url: str = ""
    _nonce: int = field(default=0)
    #: nonce = time_ns // divisor; lowered when another client (e.g. a krx run sharing the
    #: session sandbox) already pushed the key's nonce to a finer scale
    _divisor: int = field(default=1_000_000)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def control(self, faults: dict[str, Any]) -> dict[str, Any]:
        """POST a fault spec to ``/sandbox/faults``; return the settings now in force."""
        response = httpx.post(f"{self.rest_url}/sandbox/faults", json=faults, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def nonce(self) -> str:
        """Return a strictly increasing nonce for this sandbox's key (ms scale by default)."""
        with self._lock:
            self._nonce = max(self._nonce + 1, time.time_ns() // self._divisor)
            return str(self._nonce)

    def public(self, method: str, **params: Any) -> httpx.Response:
        """GET ``/0/public/<method>``."""
        return httpx.get(f"{self.rest_url}/0/public/{method}", params=params, timeout=30)

    def private(
        self, method: str, key: str | None = None, secret: str | None = None, **params: Any
    ) -> httpx.Response:
        """POST a signed ``/0/private/<method>`` call (form-encoded).

        Without an explicit ``nonce``, an ``EAPI:Invalid nonce`` (someone else used a finer
        nonce scale on this key) is retried at ms -> µs -> ns scale.
        """
        path = f"/0/private/{method}"
        fixed = params.pop("nonce", None)
        while True:
            data = {"nonce": fixed or self.nonce(), **params}
            body = urllib.parse.urlencode(data)
            headers = {
                "API-Key": key or self.api_key,
                "API-Sign": _sign(secret or self.api_secret, path, str(data["nonce"]), body),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            response = httpx.post(
                f"{self.rest_url}{path}", content=body, headers=headers, timeout=30
            )
            if fixed or self._divisor == 1 or "EAPI:Invalid nonce" not in response.text:
                return response
            self._divisor //= 1000

    def stop(self) -> int:
        """Terminate the process (SIGTERM) and wait; return its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def _args(options: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not False and value is not None:
            args += [flag, str(value)]
    return args


def start_sandbox(
    workdir: Path, *, ready_timeout_s: float = READY_TIMEOUT_S, **options: Any
) -> SandboxHandle:
    """Start ``python -m kraken_cli.sandbox`` and wait for its ready lines."""
    workdir.mkdir(parents=True, exist_ok=True)
    state_file = workdir / "sandbox.json"
    options = {"port": 0, "seed": 1, "state_file": state_file, **options}
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
    stderr = (workdir / "sandbox.stderr").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli.sandbox", *_args(options)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + ready_timeout_s
    while len(lines) < READY_LINES and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
    if len(lines) < READY_LINES or lines[0] != "krx sandbox ready":
        process.kill()
        raise RuntimeError(
            f"sandbox did not start: {lines} {(workdir / 'sandbox.stderr').read_text()}"
        )
    fields = {" ".join(line.split()[:-1]): line.split()[-1] for line in lines[1:]}
    state = json.loads(state_file.read_text())
    return SandboxHandle(
        process=process,
        state_file=state_file,
        rest_url=fields["REST"],
        ws_url=fields["WS"],
        ws_auth_url=fields["WS auth"],
        api_key=state["api_key"],
        api_secret=state["api_secret"],
        ready_lines=lines,
        futures_url=fields["Futures"],
        futures_ws_url=fields["Futures WS"],
    )


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """One sandbox for the whole session (seed 1, default options)."""
    handle = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def sandbox_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., SandboxHandle]]:
    """Start dedicated sandboxes with their own options; all are stopped after the test."""
    started: list[SandboxHandle] = []

    def factory(**options: Any) -> SandboxHandle:
        handle = start_sandbox(tmp_path_factory.mktemp("sandbox-own"), **options)
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        handle.stop()


@pytest.fixture
def krx(sandbox: SandboxHandle, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m kraken_cli --sandbox ARGS`` with a clean, isolated environment."""

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", *args],
            capture_output=True,
            text=True,
            env=krx_env(tmp_path, sandbox=sandbox),
            cwd=tmp_path,
            timeout=timeout,
        )

    return run
