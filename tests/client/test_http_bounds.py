"""KrakenHttp against hostile replies: bounded time and memory, a clean error, never exit 1."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.cli.exit_codes import INTERNAL, exit_code_for
from kraken_cli.client import bounds
from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy
from kraken_cli.errors import KrxError, NetworkError, ProtocolError, RequestTimeoutError
from tests.client import hostile

#: The stated bounds of the README's reliability section, checked here.
PEAK_BYTES = 100 * 1024 * 1024
SLACK_S = 1.0


def _client(url: str, timeout: float) -> KrakenHttp:
    return KrakenHttp(
        url,
        timeout=timeout,
        retry=RetryPolicy.none(),
        pacer=PublicPacer(1000.0, sleep=lambda _s: None),
    )


@pytest.fixture
def traced() -> Iterator[None]:
    """Trace allocations during the test (peak read with ``tracemalloc.get_traced_memory``)."""
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def _call(url: str, timeout: float) -> tuple[KrxError, float]:
    started = time.monotonic()
    with _client(url, timeout) as http, pytest.raises(KrxError) as info:
        http.public("Ticker", {"pair": "XBTUSD"})
    return info.value, time.monotonic() - started


def test_dripped_body_fails_at_the_total_deadline() -> None:
    with hostile.serve(hostile.drip(interval_s=0.3)) as url:
        err, took = _call(url, timeout=1.0)
    assert isinstance(err, RequestTimeoutError)
    assert err.retryable is False  # a trickle is not retried
    assert took < 1.0 + SLACK_S


def test_slow_byte_drip_two_seconds_apart_still_ends_at_the_deadline() -> None:
    with hostile.serve(hostile.drip(interval_s=2.0)) as url:
        err, took = _call(url, timeout=1.0)
    assert isinstance(err, RequestTimeoutError)
    assert took < 1.0 + SLACK_S


def test_dripped_headers_fail_at_the_total_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: " + b"a" * 200
    with hostile.serve(hostile.drip(interval_s=0.2, head=head)) as url:
        err, took = _call(url, timeout=1.0)
    assert isinstance(err, RequestTimeoutError)
    assert took < 1.0 + SLACK_S


def test_huge_body_is_cut_at_the_cap_in_bounded_memory(traced: None) -> None:
    with hostile.serve(hostile.huge_body(300 * 1024 * 1024)) as url:
        err, took = _call(url, timeout=20.0)
    assert isinstance(err, ProtocolError) and "MiB" in err.message
    assert err.hint
    assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES
    assert exit_code_for(err) == 6
    assert took < 20.0


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_gzip_bomb_is_cut_at_the_decoded_cap(encoding: str, traced: None) -> None:
    with hostile.serve(hostile.gzip_bomb(1024 * 1024 * 1024, encoding)) as url:
        err, took = _call(url, timeout=20.0)
    assert isinstance(err, ProtocolError) and "decompressed" in err.message
    assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES
    assert took < 20.0


def test_small_gzip_reply_is_inflated() -> None:
    body = gzip.compress(json.dumps({"error": [], "result": {"ok": 1}}).encode())

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=body)

    http = KrakenHttp("https://k", transport=httpx.MockTransport(handler))
    assert http.public("Time") == {"ok": 1}


def test_read_body_bounds_are_pure() -> None:
    deadline = bounds.Deadline(60)
    big = [b"x" * (1024 * 1024)] * 17
    with pytest.raises(ProtocolError):
        bounds.read_body(iter(big), "", "u", deadline, 1)
    with pytest.raises(ProtocolError, match="content-encoding"):
        bounds.read_body(iter([b"{}"]), "br", "u", deadline, 1)
    with pytest.raises(ProtocolError, match="corrupt"):
        bounds.read_body(iter([b"not gzip"]), "gzip", "u", deadline, 1)
    expired = bounds.Deadline(0, clock=lambda: 5.0)
    with pytest.raises(RequestTimeoutError):
        bounds.read_body(iter([b"{}"]), "", "u", expired, 1)


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":[],"result":NaN}',
        b'{"error":[],"result":[Infinity]}',
        b'{"error":[],"result":-Infinity}',
        b'{"error":[],"result":1e400}',
        b'{"error":[],"result":' + b"9" * 5000 + b"}",
        b'{"error":[],"result":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"\xff\xfe garbage",
        b"",
    ],
)
def test_non_data_json_is_a_protocol_error(body: bytes) -> None:
    http = KrakenHttp(
        "https://k", transport=httpx.MockTransport(lambda _r: httpx.Response(200, content=body))
    )
    with pytest.raises(ProtocolError) as info:
        http.public("Ticker")
    assert exit_code_for(info.value) == 6
    assert "\xff" not in info.value.message


# -- property: whatever the server sends, the result is data or a KrxError (never exit 1) ------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "error": st.one_of(st.lists(st.text(max_size=30), max_size=2), json_values),
        "result": json_values,
    },
)


def _encode(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


bodies = (
    envelopes.map(_encode)
    | json_values.map(_encode)
    | st.binary(max_size=200)
    | st.sampled_from([b'{"error":[],"result":{"a":NaN}}', b"<html><title>520</title>"])
)


@settings(max_examples=300, deadline=None)
@given(
    body=bodies,
    status=st.sampled_from([200, 200, 200, 201, 302, 403, 404, 429, 500, 520]),
    encoding=st.sampled_from(["", "gzip", "br", "identity"]),
)
def test_any_reply_is_data_or_a_mapped_error(body: bytes, status: int, encoding: str) -> None:
    headers = {"Content-Encoding": encoding} if encoding else {}

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    http = KrakenHttp(
        "https://k",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy.none(),
        pacer=PublicPacer(1000.0, sleep=lambda _s: None),
    )
    try:
        http.public("Ticker", {"pair": "XBTUSD"})
    except KrxError as exc:
        assert exit_code_for(exc) != INTERNAL
        assert exc.message
        if status == 200 and not isinstance(exc, NetworkError):
            assert exc.kraken  # a Kraken error carries Kraken's strings


def test_a_server_echoing_our_headers_never_gets_the_key_printed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = {k: v for k, v in request.headers.items()}
        return httpx.Response(403, text=f"<title>denied {json.dumps(echoed)}</title>")

    http = KrakenHttp("https://k", transport=httpx.MockTransport(handler), retry=RetryPolicy.none())
    key, sign = "KEY-abcdefghijklmnop", "SIGN-0123456789abcdef=="
    with pytest.raises(NetworkError) as info:
        http.send(
            "POST", "/0/private/Balance", body="nonce=1", headers={"API-Key": key, "API-Sign": sign}
        )
    assert key not in info.value.message and sign not in info.value.message
    assert "***" in info.value.message


@pytest.mark.parametrize("key", ["abc\ndefSECRETVALUE", "abcéSECRETVALUE", "abc\x00SECRETVALUE"])
def test_a_header_http_cannot_carry_is_a_config_error_never_echoed(key: str) -> None:
    http = KrakenHttp("https://k", transport=httpx.MockTransport(lambda _r: httpx.Response(200)))
    with pytest.raises(KrxError) as info:
        http.send("POST", "/0/private/Balance", body="nonce=1", headers={"API-Key": key})
    assert exit_code_for(info.value) == 3
    assert "SECRETVALUE" not in info.value.message + (info.value.hint or "")


# -- the whole process: `krx ticker` against a hostile server stays small and ends in time ------

# VmHWM (this process image's peak RSS), not ru_maxrss: Linux carries ru_maxrss across exec,
# so a child of a big test worker would report the worker's size.
_CHILD = """
import sys
from kraken_cli.cli.app import run
code = run(sys.argv[1:])
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
sys.stderr.write("\\nMAXRSS_KIB " + peak[0].split()[1] + "\\n")
sys.exit(code)
"""


def _krx_against(url: str, tmp_path: Path, timeout_s: float) -> tuple[int, float, int, str]:
    config = tmp_path / "config.provider.json"
    krx = {"timeoutSeconds": timeout_s, "maxRetries": 0}
    config.write_text(json.dumps({"provider": {}, "krx": krx}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KRX_", "KRAKEN_"))}
    env.update(
        KRX_REST_URL=url,
        KRX_CONFIG=str(config),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "ticker", "XBTUSD"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - started
    rss_kib = int(done.stderr.rsplit("MAXRSS_KIB", 1)[1])
    return done.returncode, took, rss_kib, done.stderr


@pytest.mark.parametrize(
    "behaviour",
    [hostile.gzip_bomb(1024 * 1024 * 1024), hostile.huge_body(300 * 1024 * 1024)],
    ids=["gzip-bomb-1GiB", "body-300MB"],
)
def test_krx_process_peak_memory_stays_under_100_mb(
    behaviour: hostile.Behaviour, tmp_path: Path
) -> None:
    with hostile.serve(behaviour) as url:
        code, _took, rss_kib, err = _krx_against(url, tmp_path, 10.0)
    assert code == 6 and "krx: error:" in err and "Traceback" not in err
    assert rss_kib * 1024 < PEAK_BYTES


def test_krx_process_ends_at_its_timeout_against_a_drip(tmp_path: Path) -> None:
    with hostile.serve(hostile.drip(interval_s=2.0)) as url:
        code, took, _rss, err = _krx_against(url, tmp_path, 2.0)
    assert code == 6 and "within 2 s" in err, err
    assert took < 2.0 + SLACK_S + 2.0  # plus interpreter start-up on a busy CI machine
