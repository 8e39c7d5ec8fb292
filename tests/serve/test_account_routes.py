"""/api/assets and /api/account: the key's data in the platform's shapes, the token required."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.serve.conftest import AUTH

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("market", ["spot", "futures"])
def test_assets_and_account_in_the_platforms_shape(client: TestClient, market: str) -> None:
    assert client.get(f"/api/assets/kraken/{market}").status_code == 401
    assets = client.get(f"/api/assets/kraken/{market}", headers=AUTH)
    assert assets.status_code == 200, assets.text
    rows = assets.json()["assets"]
    assert rows and {r["connectorType"] for r in rows} == {"kraken"}
    assert all(r["marketType"] == market for r in rows)
    assert any(r["symbol"] == "USD" for r in rows)
    account = client.get(f"/api/account/kraken/{market}", headers=AUTH).json()
    assert set(account) >= {"connectorType", "marketType", "assets", "positions", "orders"}
    assert account["isActive"] is True
