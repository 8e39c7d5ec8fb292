"""load_settings: find order, JSON/YAML, ${VAR}, .env, errors with paths, permissions, sandbox."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kraken_cli.config import settings as s
from kraken_cli.config.loader import find_config, load_settings, search_paths
from kraken_cli.config.validate import ConfigProblems
from kraken_cli.errors import ConfigError
from tests.config.config_helpers import EXAMPLE, KEYS, ROOT, example, write_json

NAME = "config.provider.json"


def test_example_files_are_identical_and_valid(isolated: Path) -> None:
    assert (ROOT / "config.provider.example.json").read_bytes() == EXAMPLE.read_bytes()
    result = load_settings(EXAMPLE, env=KEYS)
    settings = result.settings
    assert result.source == EXAMPLE and result.warnings == []
    assert settings.spot == s.Credentials("spot-key-123456", "c2VjcmV0")
    assert settings.markets == (
        s.MarketSpec("spot", (s.SymbolSpec("BTCUSDT", leverage=1.0, quantity="0.001"),)),
    )
    assert [(sub.type, sub.intervals, sub.active) for sub in settings.subscriptions] == [
        ("PROVIDER_MARKETDATA_CANDLE", ("min1", "h1"), True),
        ("PROVIDER_MARKETDATA_TRADE", (), True),
        ("PROVIDER_MARKETDATA_ORDERBOOK", (), True),
    ]
    assert settings.krx == s.KrxOptions() and settings.config_path == EXAMPLE


# --- find order -----------------------------------------------------------------------------


def test_find_order(isolated: Path) -> None:
    user = s.config_dir() / NAME
    local = isolated / NAME
    nested = isolated / "config" / NAME
    explicit = isolated / "elsewhere.json"
    assert find_config(None, {}, isolated) == (None, False)
    for path in (user, local, nested):
        write_json(path, example())
        assert find_config(None, {}, isolated) == (path, False)
    write_json(explicit, example())
    assert find_config(None, {"KRX_CONFIG": str(explicit)}, isolated) == (explicit, True)
    assert find_config(local, {"KRX_CONFIG": str(explicit)}, isolated) == (local, True)
    assert search_paths(isolated)[0] == nested


def test_yaml_is_found_and_equivalent_to_json(isolated: Path) -> None:
    import yaml

    yaml_path = isolated / "config.provider.yaml"
    yaml_path.write_text(yaml.safe_dump(example()))
    from_yaml = load_settings(None, env=KEYS)
    assert from_yaml.source == yaml_path
    from_json = load_settings(EXAMPLE, env=KEYS)
    assert from_yaml.settings.markets == from_json.settings.markets
    assert from_yaml.settings.subscriptions == from_json.settings.subscriptions


def test_explicit_missing_file_is_an_error_even_without_require(isolated: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(isolated / "nope.json", env={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(None, env={"KRX_CONFIG": str(isolated / "nope.json")})


def test_no_file_uses_the_environment(isolated: Path) -> None:
    env = {
        **KEYS,
        "KRAKEN_FUTURES_API_KEY": "fk",
        "KRAKEN_FUTURES_API_SECRET": "fs",
        "KRX_REST_URL": "http://127.0.0.1:1",
    }
    result = load_settings(None, env=env)
    assert result.source is None and result.document is None
    assert result.settings.spot == s.Credentials("spot-key-123456", "c2VjcmV0")
    assert result.settings.futures == s.Credentials("fk", "fs")
    assert result.settings.endpoints.rest_url == "http://127.0.0.1:1"
    assert load_settings(None, env={}).settings.spot is None
    with pytest.raises(ConfigError, match="no config file found") as info:
        load_settings(None, env={}, require=True)
    assert info.value.hint and "krx config init" in info.value.hint


# --- ${VAR} and .env ------------------------------------------------------------------------


def test_expansion_in_every_string(isolated: Path) -> None:
    doc = example()
    doc["provider"]["restApiUrl"] = "http://${HOST}:${PORT}/api"
    doc["provider"]["subscriptions"][0]["symbols"] = ["${SYM}", "ETH${QUOTE}"]
    doc["provider"]["connectors"][0]["markets"][0]["symbols"][0]["name"] = "${SYM}"
    path = write_json(isolated / NAME, doc)
    env = {**KEYS, "HOST": "h", "PORT": "1", "SYM": "XBTUSD", "QUOTE": "USD"}
    result = load_settings(path, env=env)
    assert result.document is not None
    assert result.document["provider"]["restApiUrl"] == "http://h:1/api"
    assert result.settings.subscriptions[0].symbols == ("XBTUSD", "ETHUSD")
    assert result.settings.markets[0].symbols[0].name == "XBTUSD"


def test_dotenv_beside_config_and_in_cwd(isolated: Path, tmp_path: Path) -> None:
    conf_dir = tmp_path / "conf"
    path = write_json(conf_dir / NAME, example())
    (conf_dir / ".env").write_text("KRAKEN_API_KEY=beside\nKRAKEN_API_SECRET=beside-secret\n")
    (isolated / ".env").write_text("KRAKEN_API_KEY=cwd\nKRAKEN_FUTURES_API_KEY=fk\n")
    (isolated / ".env").write_text(
        (isolated / ".env").read_text() + "export KRAKEN_FUTURES_API_SECRET='fs'\n"
    )
    result = load_settings(path, env={})
    assert result.settings.spot == s.Credentials("beside", "beside-secret")
    assert result.settings.futures == s.Credentials("fk", "fs")
    assert result.dotenv_files == [conf_dir / ".env", isolated / ".env"]
    # The environment always wins over any .env.
    env_wins = load_settings(path, env={"KRAKEN_API_KEY": "from-env"})
    assert env_wins.settings.spot == s.Credentials("from-env", "beside-secret")


def test_dotenv_in_cwd_without_config(isolated: Path) -> None:
    (isolated / ".env").write_text("KRAKEN_API_KEY=k\nKRAKEN_API_SECRET=v\n")
    assert load_settings(None, env={}).settings.spot == s.Credentials("k", "v")


def test_undefined_variable_names_every_path(isolated: Path) -> None:
    doc = example()
    doc["provider"]["subscriptions"][1]["symbols"] = ["${KRAKEN_API_KEY}"]
    path = write_json(isolated / NAME, doc)
    with pytest.raises(ConfigProblems) as info:
        load_settings(path, env={"KRAKEN_API_SECRET": "x"})
    message = info.value.message
    assert (
        "${KRAKEN_API_KEY}: not defined; used at provider.connectors[0].key,"
        " provider.subscriptions[1].symbols[0]" in message
    )
    assert "KRAKEN_API_SECRET" not in message
    assert info.value.hint and "environment or in .env beside the config" in info.value.hint


def test_undefined_variable_in_another_exchange_is_a_warning(isolated: Path) -> None:
    doc = example()
    doc["provider"]["connectors"].append(
        {"connectorType": "binance", "key": "${BINANCE_API_KEY}", "whatever": [1, {"x": None}]}
    )
    doc["provider"]["apiToken"] = "${PROVIDER_API_TOKEN}"
    result = load_settings(write_json(isolated / NAME, doc), env=KEYS)
    assert any("${BINANCE_API_KEY}" in w and "connectors[1].key" in w for w in result.warnings)
    assert any("${PROVIDER_API_TOKEN}" in w for w in result.warnings)
    assert result.settings.spot is not None


# --- validation -----------------------------------------------------------------------------

BROKEN: dict[str, Any] = {
    "provider": {
        "connectors": [
            {
                "connectorType": "kraken",
                "enabled": "yes",
                "key": "k",
                "secrett": "s",
                "markets": [
                    {"marketType": "spt", "symbols": [{"name": "BTCUSDT", "leverag": 2}]},
                    {"symbols": []},
                ],
                "subscriptions": [{"type": "PROVIDER_MARKETDATA_CANDEL", "intervals": ["1h"]}],
            },
            {"connectorType": "binance", "anything": {"goes": True}},
            {"enabled": True},
        ],
        "subscriptions": [{"type": "PROVIDER_MARKETDATA_TRADE", "intervals": ["h1", "hour"]}],
    },
    "krx": {"tier": "custom", "timeoutSeconds": -1, "maxRetries": 1.5, "cacheTTL": 5},
}


def test_every_violation_at_once_with_paths_and_suggestions(isolated: Path) -> None:
    path = write_json(isolated / NAME, BROKEN)
    with pytest.raises(ConfigProblems) as info:
        load_settings(path, env={})
    lines = {str(p) for p in info.value.problems}
    expected = {
        'provider.connectors[0].enabled: expected boolean, got string "yes"',
        "provider.connectors[0].secrett: unknown key (did you mean 'secret'?)",
        "provider.connectors[0]: 'key' is set but 'secret' is missing",
        'provider.connectors[0].markets[0].marketType: "spt" is not one of: spot, futures,'
        " margin (did you mean 'spot'?)",
        "provider.connectors[0].markets[0].symbols[0].leverag: unknown key"
        " (did you mean 'leverage'?)",
        "provider.connectors[0].markets[1]: missing required key 'marketType'",
        'provider.connectors[0].subscriptions[0].type: "PROVIDER_MARKETDATA_CANDEL" is not'
        " a valid value (did you mean 'PROVIDER_MARKETDATA_CANDLE'?)",
        'provider.subscriptions[0].intervals[1]: "hour" is not a valid value (did you mean'
        " 'h1'?)",
        "krx.timeoutSeconds: must be greater than 0, got -1",
        "provider.connectors[2]: missing required key 'connectorType'",
        "krx: missing required key 'customTier'",
        "krx.cacheTTL: unknown key (did you mean 'cacheTtlSeconds'?)",
        "krx.maxRetries: expected integer, got number 1.5",
    }
    assert expected <= lines, sorted(lines - expected)
    interval_lines = [line for line in lines if ".intervals[" in line]
    assert any(
        line.startswith('provider.connectors[0].subscriptions[0].intervals[0]: "1h"')
        and "(did you mean 'h1'?)" in line
        for line in interval_lines
    )
    assert not any("connectors[1]" in line for line in lines), "binance is not checked"
    assert info.value.message.startswith(f"invalid config {path}: {len(lines)} problems")


def test_near_misses_in_open_objects_are_warnings(isolated: Path) -> None:
    doc = example()
    doc["provider"]["conectors"] = []
    doc["krxx"] = {}
    doc["provider"]["connectors"].append({"connectorType": "Kraken", "key": 1})
    result = load_settings(write_json(isolated / NAME, doc), env=KEYS)
    text = "\n".join(result.warnings)
    assert "provider.conectors: unknown key, ignored (did you mean 'connectors'?)" in text
    assert "krxx: unknown key, ignored (did you mean 'krx'?)" in text
    assert "provider.connectors[1].connectorType: 'Kraken' is not 'kraken'" in text


def test_krx_section(isolated: Path) -> None:
    doc = example()
    doc["krx"] = {
        "tier": "custom",
        "customTier": {"maxCounter": 30, "decayPerSecond": 2},
        "maxClockSkewSeconds": 2,
        "publicCallsPerSecond": 0.5,
        "cacheTtlSeconds": 0,
        "timeoutSeconds": 3,
        "maxRetries": 0,
    }
    options = load_settings(write_json(isolated / NAME, doc), env=KEYS).settings.krx
    assert options == s.KrxOptions(
        tier="custom",
        custom_max_counter=30,
        custom_decay_per_s=2,
        max_clock_skew_s=2.0,
        public_calls_per_s=0.5,
        cache_ttl_s=0.0,
        timeout_s=3.0,
        max_retries=0,
    )


def test_connector_choice_credentials_and_merged_subscriptions(isolated: Path) -> None:
    doc = example()
    first = doc["provider"]["connectors"][0]
    first["enabled"] = False
    second = {
        "connectorType": "kraken",
        "key": " k2 ",
        "secret": "s2\n",
        "futuresKey": "fk",
        "futuresSecret": "fs",
        "markets": [{"marketType": "futures", "symbols": [{"name": "PF_XBTUSD", "quantity": "1"}]}],
        "subscriptions": [{"type": "PROVIDER_ACCOUNT_EVENT", "active": False}],
    }
    third = {"connectorType": "kraken", "enabled": True}
    doc["provider"]["connectors"] += [second, third]
    result = load_settings(write_json(isolated / NAME, doc), env=KEYS)
    settings = result.settings
    assert settings.spot == s.Credentials("k2", "s2")
    assert settings.futures == s.Credentials("fk", "fs")
    assert settings.markets[0].market_type == "futures"
    assert settings.markets[0].symbols[0].quantity == "1"
    assert [sub.type for sub in settings.subscriptions][-1] == "PROVIDER_ACCOUNT_EVENT"
    assert settings.subscriptions[-1].active is False
    assert len(settings.subscriptions) == 4
    assert any("connectors[2]: another enabled kraken connector" in w for w in result.warnings)


def test_connector_without_key_falls_back_to_environment(isolated: Path) -> None:
    doc = {"provider": {"connectors": [{"connectorType": "kraken"}]}}
    settings = load_settings(write_json(isolated / NAME, doc), env=KEYS).settings
    assert settings.spot == s.Credentials("spot-key-123456", "c2VjcmV0")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty"),
        (b"  \n\t", "is empty"),
        (b"[1, 2]", "top level must be an object, got array"),
        (b'"text"', "top level must be an object, got string"),
        (b"null", "top level must be an object, got null"),
        (b'{"provider": {},}', "not valid JSON: Expecting property name enclosed in double"),
        (b'{\n  "provider": {\n    "x": 1\n  \n', "(line 5, column 1)"),
        (b'{"provider": NaN}', "NaN is not valid JSON"),
        (b'{"provider": {"a": "\xff"}}', "not UTF-8 text (line 1, column 21)"),
        (b"[" * 100000, "nested too deeply"),
    ],
)
def test_bad_json_files(isolated: Path, content: bytes, fragment: str) -> None:
    path = isolated / NAME
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert fragment in info.value.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("provider:\n  connectors: [\n", "not valid YAML"),
        ("provider:\n\tbad: tab\n", "(line 2, column 1)"),
        ("- a\n- b\n", "top level must be an object, got array"),
        ("# only a comment\n", "top level must be an object, got null"),
        ("provider:\n  1: x\n", "key 1 is not a string"),
        ("provider: !!binary aGk=\n", "unsupported YAML value"),
        ("provider: !!python/object:os.system {}\n", "not valid YAML"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
    ],
)
def test_bad_yaml_files(isolated: Path, content: str, fragment: str) -> None:
    path = isolated / "config.provider.yml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert fragment in info.value.message


def test_yaml_dates_become_strings(isolated: Path) -> None:
    path = isolated / "c.yaml"
    path.write_text("provider: {}\nadvisor: {since: 2024-01-02}\n")
    result = load_settings(path, env={})
    assert result.document == {"provider": {}, "advisor": {"since": "2024-01-02"}}


def test_directory_is_an_error(isolated: Path) -> None:
    (isolated / "dir.json").mkdir()
    with pytest.raises(ConfigError, match="is a directory"):
        load_settings(isolated / "dir.json", env={})


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_unreadable_file_is_an_error(isolated: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    path = write_json(isolated / NAME, example(), mode=0o000)
    with pytest.raises(ConfigError, match="permission denied"):
        load_settings(path, env={})


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(
    ("literal", "mode", "warned"),
    [(True, 0o644, True), (True, 0o640, True), (True, 0o600, False), (False, 0o644, False)],
)
def test_permission_warning(isolated: Path, literal: bool, mode: int, warned: bool) -> None:
    doc = example()
    if literal:
        doc["provider"]["connectors"][0]["secret"] = "c2VjcmV0IGxpdGVyYWw="
    path = write_json(isolated / NAME, doc, mode=mode)
    warnings = load_settings(path, env=KEYS).warnings
    assert any("readable by group/others" in w and "chmod 600" in w for w in warnings) is warned


# --- sandbox --------------------------------------------------------------------------------


@pytest.fixture
def fake_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    holder: dict[str, Any] = {
        "state": {
            "rest_url": "http://127.0.0.1:9",
            "ws_url": "ws://127.0.0.1:9/v2",
            "ws_auth_url": "ws://127.0.0.1:9/auth/v2",
            "futures_url": "http://127.0.0.1:9/futures",
            "futures_ws_url": "ws://127.0.0.1:9/futures/ws",
            "api_key": "sandbox-key",
            "api_secret": "sandbox-secret",
        },
        "calls": [],
    }

    def read_state(path: Path | None = None) -> dict[str, Any] | None:
        holder["calls"].append(path)
        state: dict[str, Any] | None = holder["state"]
        return state

    monkeypatch.setattr("kraken_cli.config.sandbox_env.read_state", read_state)
    yield holder


def test_sandbox_endpoints_and_keys(isolated: Path, fake_state: dict[str, Any]) -> None:
    settings = load_settings(None, env={"KRX_SANDBOX_STATE": "/x/state.json"}, sandbox=True)
    assert settings.settings.sandbox is True
    assert settings.settings.endpoints.rest_url == "http://127.0.0.1:9"
    assert settings.settings.endpoints.futures_ws_url == "ws://127.0.0.1:9/futures/ws"
    assert settings.settings.spot == s.Credentials("sandbox-key", "sandbox-secret")
    assert fake_state["calls"] == [Path("/x/state.json")]
    # KRX_* overrides win over the state file; the sandbox's own key always wins: a real
    # key configured for Kraken is never sent to a sandbox.
    env = {**KEYS, "KRX_WS_URL": "ws://elsewhere/v2"}
    result = load_settings(EXAMPLE, env=env, sandbox=True)
    assert result.settings.endpoints.ws_url == "ws://elsewhere/v2"
    assert result.settings.endpoints.rest_url == "http://127.0.0.1:9"
    assert result.settings.spot == s.Credentials("sandbox-key", "sandbox-secret")


def test_sandbox_futures_keys_are_never_the_spot_keys(
    isolated: Path, fake_state: dict[str, Any]
) -> None:
    fake_state["state"] |= {"futures_api_key": "fk", "futures_api_secret": "ZnM="}
    settings = load_settings(None, env={}, sandbox=True).settings
    assert settings.futures == s.Credentials("fk", "ZnM=")
    assert settings.spot == s.Credentials("sandbox-key", "sandbox-secret")
    # An older state file without futures keys: the futures emulator's own fixed key.
    del fake_state["state"]["futures_api_key"]
    from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY

    assert load_settings(None, env={}, sandbox=True).settings.futures.key == SANDBOX_FUTURES_KEY  # type: ignore[union-attr]


def test_no_sandbox_running(isolated: Path, fake_state: dict[str, Any]) -> None:
    fake_state["state"] = None
    with pytest.raises(ConfigError, match="no running sandbox found") as info:
        load_settings(None, env={}, sandbox=True)
    assert info.value.hint and "krx sandbox" in info.value.hint
    # SPEC: the sandbox's address may come from KRX_REST_URL instead; nothing points at Kraken.
    endpoints = load_settings(
        None, env={"KRX_REST_URL": "http://127.0.0.1:5"}, sandbox=True
    ).settings.endpoints
    assert endpoints.rest_url == "http://127.0.0.1:5"
    assert "kraken.com" not in json.dumps(endpoints.__dict__)


def test_yaml_alias_bomb_is_refused(isolated: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        prev = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    path = isolated / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="YAML aliases"):
        load_settings(path, env={})


def test_huge_numbers_are_schema_errors(isolated: Path) -> None:
    doc = example()
    doc["provider"]["connectors"][0]["markets"][0]["symbols"][0]["leverage"] = 10**400
    doc["krx"] = {"timeoutSeconds": 10**400}
    path = isolated / "c.json"
    path.write_text(json.dumps(doc).replace('"maxRetries": 0', "") + "\n")
    with pytest.raises(ConfigProblems) as info:
        load_settings(path, env=KEYS)
    assert len(info.value.problems) == 2


# --- undefined key placeholders block only private calls ---------------------------------------


def test_undefined_key_placeholders_defer_to_private_calls(isolated: Path) -> None:
    from kraken_cli.services.account.spot import open_private

    result = load_settings(EXAMPLE, env={})
    settings = result.settings
    assert settings.spot is None and settings.futures is None
    assert settings.spot_undefined == ("KRAKEN_API_KEY", "KRAKEN_API_SECRET")
    assert settings.markets  # the rest of the config is in force
    with pytest.raises(ConfigError) as info:
        open_private(settings)
    assert "${KRAKEN_API_KEY}, ${KRAKEN_API_SECRET}" in info.value.message
    assert info.value.hint and "krx setup" in info.value.hint
    # a half-defined pair still names what is missing
    half = load_settings(EXAMPLE, env={"KRAKEN_API_KEY": "k" * 12}).settings
    assert half.spot is None and half.spot_undefined == ("KRAKEN_API_SECRET",)
    # `config validate` asks for strictness
    with pytest.raises(ConfigProblems, match="KRAKEN_API_KEY"):
        load_settings(EXAMPLE, env={}, defer_keys=False, use_cache=False)


def test_undefined_futures_placeholders_name_the_variable(isolated: Path) -> None:
    from kraken_cli.services.market.futures import futures_client

    doc = example()
    doc["provider"]["connectors"][0] |= {"futuresKey": "${FK}", "futuresSecret": "${FS}"}
    settings = load_settings(write_json(isolated / NAME, doc), env=KEYS).settings
    assert settings.spot is not None and settings.futures_undefined == ("FK", "FS")
    client = futures_client(settings)
    with pytest.raises(ConfigError, match=r"\$\{FK\}"):
        client.private("GET", "accounts", idempotent=True)


def test_a_placeholder_used_outside_keys_still_fails_the_load(isolated: Path) -> None:
    doc = example()
    doc["provider"]["subscriptions"][0]["symbols"] = ["${SYMBOL}"]
    with pytest.raises(ConfigProblems, match="SYMBOL"):
        load_settings(write_json(isolated / NAME, doc), env=KEYS)
