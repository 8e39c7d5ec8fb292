"""krx serve: cached candles under 32 concurrent clients against the same stack's floor.

Runs a sandbox, `krx --sandbox serve` and the floor (bench/serve_floor.py: the same uvicorn
with a bare ASGI callable answering the same bytes from memory), then drives each with wrk
(32 connections, 2 threads)
for the same time. Prints requests/s, p50/p99 latency and the ratio. Targets (issue 19):
ratio >= 0.5 of the floor, p99 <= 20 ms. Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _util import ROOT, get_with_token, krx_command, print_table, serve_env

TOKEN = "bench-token"
ROUTE = "/api/candles/kraken/spot/BTCUSDT/h1?days=7"
TARGET_RATIO, TARGET_P99_MS = 0.5, 20.0
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"not ready: {url}")


def _get(url: str) -> bytes:
    return get_with_token(url, TOKEN)


def _wrk(url: str) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c32",
            f"-d{SECONDS}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {TOKEN}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error answers\n{out}")
    return {"rps": rps, "p50": latency("50"), "p99": latency("99")}


def main() -> int:
    """Measure serve and its floor; exit 1 when a target is missed."""
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = serve_env(home, TOKEN)
        procs = [
            subprocess.Popen(
                [
                    *krx_command(),
                    "sandbox",
                    "--port",
                    "0",
                    "--state-file",
                    str(home / "sandbox.json"),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        try:
            while not (home / "sandbox.json").exists():
                time.sleep(0.1)
            port, floor_port = _free_port(), _free_port()
            procs.append(
                subprocess.Popen(
                    [*krx_command(), "--sandbox", "serve", "--port", str(port)],
                    env=env,
                    cwd=ROOT,
                    stderr=subprocess.DEVNULL,
                )
            )
            base = f"http://127.0.0.1:{port}"
            _wait_ready(f"{base}/api/health/live")
            body = _get(base + ROUTE)
            candles = len(json.loads(body))
            (home / "body.json").write_bytes(body)
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        str(Path(__file__).with_name("serve_floor.py")),
                        str(home / "body.json"),
                        str(floor_port),
                    ],
                    env=env,
                )
            )
            floor_base = f"http://127.0.0.1:{floor_port}"
            _wait_ready(floor_base + ROUTE)
            floor = _wrk(floor_base + ROUTE)
            krx = _wrk(base + ROUTE)
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(10)
    ratio = krx["rps"] / floor["rps"]
    print_table(
        f"krx serve, cached GET {ROUTE} ({candles} candles, {len(body)} bytes), "
        f"32 connections, {SECONDS} s each",
        ("server", "requests/s", "p50 ms", "p99 ms"),
        [
            (name, f"{r['rps']:.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}")
            for name, r in (
                ("floor: uvicorn + bare ASGI, bytes from memory", floor),
                ("krx serve", krx),
            )
        ],
    )
    print(
        f"\nkrx serve / floor = {ratio:.2f} (target >= {TARGET_RATIO}); "
        f"p99 {krx['p99']:.1f} ms (target <= {TARGET_P99_MS})"
    )
    print(json.dumps({"bench": "serve", "ratio": round(ratio, 3), "p99_ms": krx["p99"]}))
    return 0 if ratio >= TARGET_RATIO and krx["p99"] <= TARGET_P99_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
