"""Futures nonces come from the persisted cross-process per-key source (``client.nonce``)."""

from __future__ import annotations

from pathlib import Path

import httpx

from kraken_cli.client.nonce import NonceSource
from kraken_cli.config.settings import Credentials, Endpoints, Settings
from kraken_cli.services.market.futures import futures_client
from tests.futures.helpers import CREDS, Router

V3 = "/derivatives/api/v3"
OK = '{"result":"success","openOrders":[],"serverTime":"2026-01-01T00:00:00.000Z"}'


def _settings(creds: Credentials | None = CREDS) -> Settings:
    return Settings(endpoints=Endpoints(futures_url="https://futures.test"), futures=creds)


def test_nonces_persist_across_clients_and_hold_the_key_lock(tmp_path: Path) -> None:
    router = Router()
    router.add(f"{V3}/openorders", OK)
    seen_locked: list[bool] = []
    source = NonceSource(CREDS.key, tmp_path / "keys")

    def reply(request: httpx.Request) -> httpx.Response:
        # The key's lock is held while the request is in flight: another draw would block,
        # so peek at the persisted in-flight nonce instead.
        seen_locked.append(int(request.headers["Nonce"]) == source._read().last_nonce)
        return httpx.Response(200, content=OK.encode())

    router.add(f"{V3}/openorders", reply)
    nonces = []
    for _ in range(2):  # two clients = two krx processes sharing one futures key
        with futures_client(
            _settings(), transport=httpx.MockTransport(router), state_dir=tmp_path
        ) as fc:
            fc.openorders()
            nonces.append(int(router.requests[-1].headers["Nonce"]))
    assert nonces[0] < nonces[1] and all(seen_locked)
    assert source.last() == nonces[1]


def test_futures_key_has_its_own_state_file(tmp_path: Path) -> None:
    spot = NonceSource("spot-key", tmp_path / "keys")
    fut = NonceSource(CREDS.key, tmp_path / "keys")
    assert spot.state_path != fut.state_path


def test_no_credentials_no_nonce_source(tmp_path: Path) -> None:
    with futures_client(_settings(None), state_dir=tmp_path) as fc:
        assert fc.nonces is None
