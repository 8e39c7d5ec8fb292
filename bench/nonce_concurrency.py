"""Many processes, one API key: no invalid nonces, and the call counter used to the full.

Starts a sandbox with a custom tier (``--tier custom:MAX:DECAY``), then runs P processes x N
private calls (Balance) on the sandbox's key through krx's client, configured with the same
custom tier. Reports invalid-nonce and rate-limit errors (target 0 each) and the achieved call
rate as a fraction of what the tier allows over the run (``MAX + DECAY * T`` calls in T
seconds; target >= 0.9).

    python bench/nonce_concurrency.py [--procs 16] [--calls 20] [--max 30] [--decay 10]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _util import ROOT, Result, report

sys.path.insert(0, str(ROOT))


def worker(
    rest_url: str,
    key: str,
    secret: str,
    state_dir: str,
    tier: tuple[float, float],
    calls: int,
    barrier: Any,
    out: Any,
) -> None:
    """Make ``calls`` Balance calls; report (start, end, error kind) per call."""
    from kraken_cli.client.http import KrakenHttp
    from kraken_cli.client.nonce import NonceSource
    from kraken_cli.client.ratelimit import RateLimiter, Tier
    from kraken_cli.client.retry import RetryPolicy
    from kraken_cli.client.spot_private import SpotPrivate
    from kraken_cli.config.settings import Credentials
    from kraken_cli.errors import KrxError

    http = KrakenHttp(rest_url, retry=RetryPolicy.none(), timeout=30)
    api = SpotPrivate(
        http,
        Credentials(key, secret),
        NonceSource(key, Path(state_dir)),
        RateLimiter(Tier("custom", tier[0], tier[1])),
    )
    results = []
    barrier.wait()
    for _ in range(calls):
        start = time.time()
        kind = None
        try:
            # Not retried (RetryPolicy.none): every Kraken error is counted.
            api.call("Balance", idempotent=True)
        except KrxError as exc:
            kind = exc.kraken[0] if exc.kraken else type(exc).__name__
        results.append((start, time.time(), kind))
    out.put(results)
    http.close()


def start_sandbox(workdir: Path, tier: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start the sandbox with ``--tier`` and return it with its state file contents."""
    state_file = workdir / "sandbox.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli.sandbox", "--port", "0", "--seed", "1",
         "--state-file", str(state_file), "--tier", tier],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if "ready" not in first:
        proc.kill()
        raise SystemExit(f"sandbox did not start: {first!r}")
    for _ in range(5):
        proc.stdout.readline()
    return proc, json.loads(state_file.read_text())


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=16)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--max", type=float, default=30.0, dest="max_counter")
    parser.add_argument("--decay", type=float, default=10.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sandbox, state = start_sandbox(workdir, f"custom:{args.max_counter:g}:{args.decay:g}")
        try:
            ctx = multiprocessing.get_context("spawn")
            barrier = ctx.Barrier(args.procs)
            out = ctx.Queue()
            tier = (args.max_counter, args.decay)
            procs = [
                ctx.Process(
                    target=worker,
                    args=(
                        state["rest_url"],
                        state["api_key"],
                        state["api_secret"],
                        str(workdir / "state"),
                        tier,
                        args.calls,
                        barrier,
                        out,
                    ),
                )
                for _ in range(args.procs)
            ]
            for p in procs:
                p.start()
            rows = [row for _ in procs for row in out.get(timeout=300)]
            for p in procs:
                p.join()
        finally:
            sandbox.terminate()
            sandbox.wait(10)

    total = len(rows)
    begin = min(r[0] for r in rows)
    end = max(r[1] for r in rows)
    elapsed = end - begin
    errors: dict[str, int] = {}
    for _, _, kind in rows:
        if kind:
            errors[kind] = errors.get(kind, 0) + 1
    nonce_errors = sum(n for k, n in errors.items() if "nonce" in k.lower())
    rate_errors = sum(n for k, n in errors.items() if "rate limit" in k.lower())
    allowed = args.max_counter + args.decay * elapsed
    ok_calls = total - sum(errors.values())
    print(f"processes x calls      {args.procs} x {args.calls} = {total} Balance calls, one key")
    print(f"tier                   custom: max {args.max_counter:g}, decay {args.decay:g}/s")
    print(f"elapsed                {elapsed:.2f} s")
    print(f"achieved rate          {ok_calls / elapsed:.2f} calls/s")
    print(f"allowed over the run   {allowed:.1f} calls ({allowed / elapsed:.2f} calls/s)")
    print(f"fraction of allowed    {ok_calls / allowed:.3f}  (target >= 0.9)")
    print(f"invalid-nonce errors   {nonce_errors}  (target 0)")
    print(f"rate-limit errors      {rate_errors}  (target 0)")
    if errors:
        print(f"all errors             {errors}")
    passed = report(
        [
            Result("calls / allowed by the tier", ok_calls, allowed, "calls", 0.9, True),
            Result("invalid-nonce + rate-limit errors", nonce_errors + rate_errors, None, "", 0),
        ]
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
