"""The Provider API in-process (Starlette's TestClient) over the session sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kraken_cli.config.settings import Endpoints, Settings
from kraken_cli.serve.app import create_app
from kraken_cli.serve.sources import Sources
from kraken_cli.serve.state import ServeState
from tests.e2e.conftest import SandboxHandle, start_sandbox

TOKEN = "serve-test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def sandbox_for_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path_factory.mktemp("serve-sandbox"))
    try:
        yield handle
    finally:
        handle.stop()


def sandbox_settings(handle: SandboxHandle) -> Settings:
    """Settings that point every endpoint at the sandbox (public calls unpaced)."""
    from dataclasses import replace

    from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY as DEFAULT_KEY
    from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_SECRET as DEFAULT_SECRET
    from kraken_cli.config.settings import Credentials, KrxOptions

    return Settings(
        spot=Credentials(handle.api_key, handle.api_secret),
        futures=Credentials(DEFAULT_KEY, DEFAULT_SECRET),
        endpoints=Endpoints(
            rest_url=handle.rest_url,
            ws_url=handle.ws_url,
            ws_auth_url=handle.ws_auth_url,
            futures_url=handle.futures_url,
            futures_ws_url=handle.futures_ws_url,
        ),
        krx=replace(KrxOptions(), public_calls_per_s=0),
        sandbox=True,
    )


@pytest.fixture(scope="module")
def client(
    sandbox_for_serve: SandboxHandle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    cache = tmp_path_factory.mktemp("serve-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(Path(cache)))
    sources = Sources(sandbox_settings(sandbox_for_serve))
    app = create_app(ServeState(sources, TOKEN))
    try:
        with TestClient(app, raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        sources.close()
        mp.undo()
