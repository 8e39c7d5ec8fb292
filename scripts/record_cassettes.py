"""(Re)build the market cassettes in tests/cassettes/market/ (``make record``).

Each scenario runs the real ``krx`` command in-process under vcrpy with ``record_mode="all"``:

* ``KRX_RECORD=1 python scripts/record_cassettes.py`` records against the live Kraken API
  (public endpoints only; no key needed; secrets are filtered anyway).
* ``python scripts/record_cassettes.py`` (no KRX_RECORD) rebuilds them offline from the real
  response bodies in tests/fixtures/samples, served in place of the network.

Tests replay with ``record_mode="none"`` and compare the output with the cassette's own bodies,
so they pass on either kind of recording. Pass scenario names to record only those. The
scenarios and the vcrpy options the tests replay with are in tests/support/cassettes.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cassettes import CASSETTES, SCENARIOS, make_vcr  # noqa: E402


def _serve_samples() -> None:
    """Answer every HTTPTransport request with the sample body (before vcr wraps it)."""
    import httpx

    from tests.market.market_samples import body_for

    def handle(self: Any, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode())
        payload = json.dumps(body_for(request.url.path, query)).encode()
        return httpx.Response(
            200,
            headers={"Content-Type": "application/json", "Content-Length": str(len(payload))},
            stream=httpx.ByteStream(payload),
        )

    httpx.HTTPTransport.handle_request = handle  # type: ignore[method-assign]


def record(names: list[str], live: bool) -> None:
    """Record the named scenarios."""
    if not live:
        _serve_samples()
    from kraken_cli.cli.app import run

    recorder = make_vcr("all")
    CASSETTES.mkdir(parents=True, exist_ok=True)
    for name in names:
        cassette = CASSETTES / f"{name}.yaml"
        cassette.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["XDG_CACHE_HOME"] = tmp  # fetch AssetPairs/Assets into every cassette
            os.environ.pop("KRX_REST_URL", None)
            out = io.StringIO()
            with (
                recorder.use_cassette(str(cassette)),
                contextlib.redirect_stdout(out),
            ):
                code = run(SCENARIOS[name])
        sys.stderr.write(f"{name}: exit {code}, {len(out.getvalue())} bytes -> {cassette}\n")


def main() -> None:
    """Record every scenario (or those named on the command line)."""
    names = sys.argv[1:] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        sys.exit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    record(names, live=os.environ.get("KRX_RECORD") == "1")


if __name__ == "__main__":
    main()
