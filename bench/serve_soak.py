"""krx serve's memory over a sustained run with 10 live subscriptions (issue 19): flat?

Starts a sandbox at a high live rate (SOAK_RATE trades and book updates per second per pair,
default 25), `krx --sandbox serve` with 10 subscriptions (trades of 4 pairs, books of 3,
1-minute candles of 3), and for SOAK_SECONDS (default 300) samples serve's resident memory
every 5 s while a client reads the routes that answer from the live state (trades, book,
candles, runtime-proof). Reports the memory at the end of the warm-up (the first third), the
final and peak figures and the growth after warm-up (least-squares slope, MB per 10 minutes).
Target: growth after warm-up <= 5 MB.

Run: python bench/serve_soak.py   (SOAK_SECONDS=900 for a longer run)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from _util import ROOT, Result, get_with_token, krx_command, print_table, report, serve_env

TOKEN = "soak-token"
RATE = float(os.environ.get("SOAK_RATE", "25"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
SAMPLE_S = 5.0
TARGET_GROWTH_MB = 5.0
CONFIG = {
    "provider": {
        "connectors": [{"connectorType": "kraken", "enabled": True, "markets": [
            {"marketType": "spot", "symbols": [{"name": "BTCUSD"}]}]}],
        "subscriptions": [
            {"type": "PROVIDER_MARKETDATA_TRADE", "active": True,
             "symbols": ["BTCUSD", "ETHUSD", "BTCUSDT", "DOGEUSD"]},
            {"type": "PROVIDER_MARKETDATA_ORDERBOOK", "active": True,
             "symbols": ["BTCUSD", "ETHUSD", "ETHBTC"]},
            {"type": "PROVIDER_MARKETDATA_CANDLE", "active": True, "intervals": ["min1"],
             "symbols": ["BTCUSD", "ETHUSD", "DOGEUSD"]},
        ],
    }
}  # fmt: skip
READS = [
    "/api/trades/kraken/spot/BTCUSD?limit=1000",
    "/api/orderbook/kraken/spot/ETHUSD?depth=10",
    "/api/candles/kraken/spot/DOGEUSD/min1?partial=true",
    "/api/exchanges/runtime-proof",
]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for {pid}")


def _get(url: str) -> bytes:
    return get_with_token(url, TOKEN)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:  # 503 (HTTPError) until every subscription delivered data
            _get(base + "/api/health/ready")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("serve never became ready")


def _slope_mb_per_10min(points: list[tuple[float, float]]) -> float:
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    cov = sum((t - mean_t) * (m - mean_m) for t, m in points)
    return 0.0 if var == 0 else cov / var * 600


def _soak(home: Path, env: dict[str, str]) -> tuple[list[tuple[float, float]], int, int]:
    config = home / "config.provider.json"
    config.write_text(json.dumps(CONFIG))
    config.chmod(0o600)
    rate = str(RATE)
    sandbox = subprocess.Popen(
        [*krx_command(), "sandbox", "--port", "0", "--state-file", str(home / "sandbox.json"),
         "--live-rate", rate, "--book-rate", rate, "--idle-timeout", "3600"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    procs = [sandbox]
    try:
        while not (home / "sandbox.json").exists():
            time.sleep(0.1)
        serve = subprocess.Popen(
            [*krx_command(), "--sandbox", "--config", str(config), "serve", "--port", "0"],
            env=env, cwd=home, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        procs.append(serve)
        assert serve.stderr is not None
        line = serve.stderr.readline()
        if "ready on" not in line:
            raise SystemExit(f"serve did not start: {line}")
        base = line.split("ready on ", 1)[1].split()[0]
        # drain the access log, or a full pipe would stall serve
        threading.Thread(target=serve.stderr.read, daemon=True).start()
        _wait_ready(base)
        started = time.monotonic()
        samples: list[tuple[float, float]] = []
        reads = 0
        while (elapsed := time.monotonic() - started) < SECONDS:
            for path in READS:
                _get(base + path)
                reads += 1
            samples.append((elapsed, _rss_mb(serve.pid)))
            time.sleep(SAMPLE_S)
        proof = json.loads(_get(base + "/api/exchanges/runtime-proof"))
        streams = len(proof["connectors"][0]["streams"])
        return samples, reads, streams
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(10)


def main() -> int:
    """Run the soak; exit 1 when memory grows past the target after warm-up."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = serve_env(home, TOKEN)
        samples, reads, streams = _soak(home, env)
    warm = [p for p in samples if p[0] >= SECONDS / 3]
    at_warm, final = warm[0][1], samples[-1][1]
    peak = max(m for _, m in samples)
    slope = _slope_mb_per_10min(warm)
    growth = max(0.0, max(m for _, m in warm) - at_warm)
    print_table(
        f"krx serve memory, {streams} live streams at {RATE:g} trades + {RATE:g} book updates/s "
        f"per pair, {SECONDS:.0f} s, {reads} route reads",
        ("RSS after warm-up", "final", "peak", "growth after warm-up", "slope"),
        [(f"{at_warm:.1f} MB", f"{final:.1f} MB", f"{peak:.1f} MB", f"{growth:.1f} MB",
          f"{slope:+.2f} MB/10 min")],
    )  # fmt: skip
    minutes = [(t, m) for t, m in samples if int(t) % 60 < SAMPLE_S]
    print("\nRSS by minute (MB): " + " ".join(f"{m:.1f}" for _, m in minutes))
    result = Result("serve RSS growth after warm-up", growth, None, "MB", TARGET_GROWTH_MB)
    return 0 if report([result]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
