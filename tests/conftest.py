"""Suite-wide safety: no test reads or writes the real user's krx config, cache or state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["pytester", "tests.support.secret_scan"]


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    base = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = Path(base, name.lower())
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    for name in ("KRX_CONFIG", "KRX_FORMAT", "KRX_SANDBOX", "KRX_DEBUG", "KRX_SANDBOX_STATE"):
        monkeypatch.delenv(name, raising=False)
    yield
