"""Fuzz: any file either loads or fails with ConfigError (exit 3, `krx: error:`, no traceback)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kraken_cli.config.loader import LoadResult, load_settings
from kraken_cli.errors import ConfigError
from tests.config.config_helpers import KEYS, example
from tests.support.env import krx_env

FUZZ = settings(
    max_examples=int(os.environ.get("KRX_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Words of the config's vocabulary, so random trees often hit the schema's interesting parts.
VOCAB = [
    "provider", "krx", "connectors", "subscriptions", "connectorType", "kraken", "binance",
    "enabled", "key", "secret", "futuresKey", "futuresSecret", "markets", "marketType", "spot",
    "futures", "symbols", "name", "leverage", "quantity", "type", "intervals", "active", "h1",
    "min1", "PROVIDER_MARKETDATA_CANDLE", "tier", "custom", "customTier", "maxRetries",
    "${KRAKEN_API_KEY}", "${UNDEFINED}", "${", "$", "",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(VOCAB)
    | st.text(max_size=12)
)
keys = st.sampled_from(VOCAB) | st.text(max_size=8)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


def _load(path: Path, cwd: Path) -> LoadResult | None:
    """Load, accepting only success or ConfigError (anything else fails the test)."""
    try:
        return load_settings(path, env=KEYS, cwd=cwd)
    except ConfigError as exc:
        assert exc.message.strip()
        return None


@FUZZ
@given(document=trees)
def test_random_json_trees(isolated: Path, document: Any) -> None:
    path = isolated / "fuzz.json"
    path.write_text(json.dumps(document))
    _load(path, isolated)


@FUZZ
@given(document=trees | st.dictionaries(st.just("provider"), trees, min_size=1))
def test_random_yaml_trees(isolated: Path, document: Any) -> None:
    import yaml

    path = isolated / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document))
    _load(path, isolated)


@FUZZ
@given(content=st.binary(max_size=200), suffix=st.sampled_from([".json", ".yaml", ".yml", ""]))
def test_random_bytes(isolated: Path, content: bytes, suffix: str) -> None:
    path = isolated / f"fuzz{suffix}"
    path.write_bytes(content)
    _load(path, isolated)


# --- mutations of the example ---------------------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _misspell(text: str, data: st.DataObject) -> str:
    if not text:
        return "x"
    index = data.draw(st.integers(0, len(text) - 1))
    how = data.draw(st.sampled_from(["drop", "double", "swap", "upper", "digit"]))
    if how == "drop":
        return text[:index] + text[index + 1 :]
    if how == "double":
        return text[:index] + text[index] * 2 + text[index + 1 :]
    if how == "swap" and index + 1 < len(text):
        return text[:index] + text[index + 1] + text[index] + text[index + 2 :]
    if how == "upper":
        return text.upper()
    return text + "1"


def _mutate(document: Any, data: st.DataObject) -> Any:
    paths = [p for p in _paths(document) if p]
    if not paths:
        return document
    target = data.draw(st.sampled_from(paths))
    parent = document
    for part in target[:-1]:
        parent = parent[part]
    last = target[-1]
    op = data.draw(
        st.sampled_from(["delete", "retype", "misspell_key", "misspell_value", "undefined", "wrap"])
    )
    if op == "delete":
        del parent[last]
    elif op == "retype":
        parent[last] = data.draw(scalars | st.lists(scalars, max_size=2) | st.just({}))
    elif op == "misspell_key" and isinstance(parent, dict):
        parent[_misspell(last, data)] = parent.pop(last)
    elif op == "misspell_value" and isinstance(parent[last], str):
        parent[last] = _misspell(parent[last], data)
    elif op == "undefined":
        parent[last] = data.draw(st.sampled_from(["${UNDEFINED}", "x${UNDEFINED_2}y"]))
    else:
        parent[last] = [parent[last]]
    return document


@FUZZ
@given(data=st.data(), fmt=st.sampled_from(["json", "yaml"]))
def test_mutations_of_the_example(isolated: Path, data: st.DataObject, fmt: str) -> None:
    document = copy.deepcopy(example())
    document["krx"] = {"tier": "custom", "customTier": {"maxCounter": 20, "decayPerSecond": 1}}
    for _ in range(data.draw(st.integers(1, 4))):
        document = _mutate(document, data)
    path = isolated / f"fuzz.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(document))
    else:
        import yaml

        path.write_text(yaml.safe_dump(document))
    _load(path, isolated)


# --- the CLI: exit 3, `krx: error:` on stderr, never a traceback ----------------------------

app = pytest.importorskip("kraken_cli.cli.app")


@FUZZ
@given(data=st.data())
def test_cli_in_process(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    document = _mutate(copy.deepcopy(example()), data)
    path = isolated / "fuzz.json"
    path.write_text(json.dumps(document))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = app.run(["--format", "table", "--config", str(path), "config", "validate"])
    assert code in (0, 3), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code == 3:
        assert err.getvalue().startswith("krx: error: ") and out.getvalue() == ""


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_cli_subprocess_sample(isolated: Path, data: st.DataObject) -> None:
    document = copy.deepcopy(example())
    for _ in range(data.draw(st.integers(0, 3))):
        document = _mutate(document, data)
    document["krx"] = {"tier": "platinum"}  # whatever the mutations did, the file is invalid
    path = isolated / "fuzz.json"
    path.write_text(json.dumps(document))
    result = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "--config", str(path), "config", "validate"],
        capture_output=True,
        text=True,
        env=krx_env(**KEYS),
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("krx: error: ") and "Traceback" not in result.stderr


# --- secrets: wherever and however a secret is written, `config show` never prints it ---------

SECRET_SPOTS = [
    ("provider", "connectors", 0, "secret"),
    ("provider", "connectors", 0, "key"),
    ("provider", "apiToken"),
    ("provider", "restApiToken"),
    ("provider", "accounts"),
    ("provider", "restApiUrl"),
    ("provider", "subscriptions", 0, "connector"),
    ("provider", "connectors", 1, "passphrase"),
]


def _place(document: Any, spot: tuple[Any, ...], value: Any) -> None:
    node = document
    for part in spot[:-1]:
        if isinstance(part, int):
            while len(node) <= part:
                node.append({"connectorType": "coinbase"})
            node = node[part]
        else:
            node = node.setdefault(part, {} if part != "connectors" else [])
    node[spot[-1]] = value


@FUZZ
@given(
    data=st.data(),
    token=st.from_regex(r"TOK[A-Za-z0-9]{17,30}", fullmatch=True),
    fmt=st.sampled_from(["json", "table"]),
)
def test_show_never_prints_a_secret(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject, token: str, fmt: str
) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    document = copy.deepcopy(example())
    spot = data.draw(st.sampled_from(SECRET_SPOTS))
    wrap = data.draw(st.sampled_from(["plain", "list", "object", "url", "accounts"]))
    value: Any = {
        "plain": token,
        "list": [token],
        "object": {"value": token},
        "url": f"https://h/x?token={token}",
        "accounts": [{"name": "a", "token": token}],
    }[wrap]
    if spot == ("provider", "restApiUrl"):
        value = f"https://user:{token}@h/x?apikey={token}"
    _place(document, spot, value)
    path = isolated / "fuzz.json"
    path.write_text(json.dumps(document))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = app.run(["--format", fmt, "--config", str(path), "config", "show"])
    assert code in (0, 3), err.getvalue()
    assert token[4:] not in out.getvalue() + err.getvalue()
    if code == 0 and fmt == "json":
        json.loads(out.getvalue())
