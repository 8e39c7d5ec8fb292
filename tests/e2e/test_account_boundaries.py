"""End-to-end: malformed private replies exit 6 with nothing on stdout; bad order inputs exit 2
before any request (issue #18 classes 2-4)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.env import krx_env

pytestmark = pytest.mark.e2e
PUBLIC_ERROR = {"error": ["EGeneral:Invalid arguments"]}


class FakeKraken:
    """A local server answering every request with ``body``; it records the paths asked."""

    def __init__(self) -> None:
        self.body: dict[str, Any] = {"error": ["EGeneral:Internal error"]}
        self.paths: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.paths.append(self.path)
                # Public calls (the symbol names) fail plainly: krx then shows Kraken's names.
                public = self.path.startswith("/0/public/")
                data = json.dumps(PUBLIC_ERROR if public else owner.body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeKraken]:
    server = FakeKraken()
    yield server
    server.server.shutdown()


def _krx(fake: FakeKraken, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = krx_env(
        home,
        KRX_REST_URL=fake.url,
        KRX_FUTURES_URL=fake.url,
        KRAKEN_API_KEY="test-key",
        KRAKEN_API_SECRET="c2VjcmV0c2VjcmV0",
        KRAKEN_FUTURES_API_KEY="test-fkey",
        KRAKEN_FUTURES_API_SECRET="c2VjcmV0c2VjcmV0",
    )
    return subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--format", "jsonl", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=60,
    )


@pytest.mark.parametrize("bad", ["abc", None, "", {"x": 1}, True])
def test_malformed_balance_exits_6(fake: FakeKraken, tmp_path: Path, bad: Any) -> None:
    fake.body = {"error": [], "result": {"XXBT": {"balance": bad, "hold_trade": "0"}}}
    done = _krx(fake, tmp_path, "account", "balance")
    assert done.returncode == 6, done.stderr
    assert done.stdout == ""
    assert "malformed reply from BalanceEx" in done.stderr and "Traceback" not in done.stderr


def test_null_result_and_futures_wrong_type_exit_6(fake: FakeKraken, tmp_path: Path) -> None:
    fake.body = {"error": [], "result": None}
    done = _krx(fake, tmp_path, "account", "trade-balance")
    assert (done.returncode, done.stdout) == (6, ""), done.stderr
    fake.body = {"result": "success", "accounts": {"cash": {"balances": {"xbt": "NaN"}}}}
    done = _krx(fake, tmp_path, "account", "balance", "--market", "futures")
    assert (done.returncode, done.stdout) == (6, ""), done.stderr
    assert "malformed reply from accounts" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("order", "amend", "OAAAAA-BBBBB-CCCCCC", "--price", "nan"),
        ("order", "amend", "OAAAAA-BBBBB-CCCCCC", "--volume", "1e400"),
        ("order", "add", "BTCUSD", "buy", "0.01", "--price", "nan", "--validate"),
        ("order", "add", "BTCUSD", "buy", "1e400", "--price", "1", "--validate"),
        ("order", "add", "BTCUSD", "buy", "0.01", "--leverage", "-3", "--validate"),
        ("order", "add", "BTCUSD", "buy", "0.01", "--cl-ord-id", "a\x01b", "--validate"),
        ("order", "add", "PF_XBTUSD", "buy", "1", "--cl-ord-id", "a\x1b[2J", "--market", "futures"),
        ("order", "cancel", "O\x1bBAD"),
        ("order", "cancel", "ok-id", "bad id", "--market", "futures"),
        ("order", "amend", "x\ny", "--price", "1", "--market", "futures"),
    ],
)
def test_bad_order_inputs_exit_2_before_any_request(
    fake: FakeKraken, tmp_path: Path, args: tuple[str, ...]
) -> None:
    fake.paths.clear()
    done = (
        _krx(fake, tmp_path, *args, "--yes")
        if "cancel" not in args
        else _krx(fake, tmp_path, *args)
    )
    assert done.returncode == 2, done.stderr
    assert fake.paths == [] and done.stdout == ""
    assert "Traceback" not in done.stderr
