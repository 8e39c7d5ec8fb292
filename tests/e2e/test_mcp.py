"""``krx mcp`` (read tools) driven by the MCP SDK's stdio client against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.e2e.mcp_client import McpSession, krx_mcp

pytestmark = pytest.mark.e2e

READ_CALLS: dict[str, dict[str, Any]] = {
    "status": {},
    "symbols": {"quote": "USD"},
    "assets": {},
    "ticker": {"symbols": ["BTCUSD", "eth/usd"]},
    "orderbook": {"symbol": "XBTUSD", "depth": 3},
    "trades": {"symbol": "BTC/USD", "since": "30m", "limit": 5},
    "candles": {"symbol": "BTCUSD", "interval": "1h", "days": 1},
    "account_balance": {},
    "account_trade_balance": {"asset": "ZUSD"},
    "account_balance_valued": {"quote": "USD"},
    "account_fees": {"symbols": ["BTCUSD"]},
    "account_orders": {},
    "account_closed_orders": {"limit": 5},
    "account_trades": {"since": "7d", "limit": 5},
    "account_ledger": {"limit": 5},
    "account_positions": {},
    "cache_info": {},
}
#: verify probes every permission: it fills the key's rate counter, so it is called once only
ALL_TOOLS = {*READ_CALLS, "verify", "query"}


@pytest.fixture(scope="module")
def client(
    sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[McpSession]:
    home = tmp_path_factory.mktemp("mcp")
    _write_archive(home / "archive")  # $KRX_ARCHIVE of the server: what the query tool reads
    with krx_mcp(sandbox, home) as session:
        yield session


def _write_archive(root: Path) -> None:
    from kraken_cli.archive.writer import ArchiveWriter

    writer = ArchiveWriter(root, "spot")
    for n, volume in enumerate(("0.00000001", "1234567890.12345678"), start=1):
        trade = {"trade_id": n, "time": f"2026-11-30T12:00:0{n}Z", "price": "64369.1"}
        writer.write("trades", "BTC/USD", trade | {"volume": volume, "side": "buy"})
    writer.close()


def test_lists_one_tool_per_read_command_and_no_order_tool(client: McpSession) -> None:
    tools = client.tools()
    assert set(tools) == ALL_TOOLS
    for tool in tools.values():
        assert tool.input_schema["type"] == "object"
        assert tool.description and len(tool.description) > 30
    candles = tools["candles"].input_schema
    assert candles["required"] == ["symbol", "interval"]
    assert "h1" in candles["properties"]["interval"]["description"]
    assert "7d" in candles["properties"]["since"]["description"]


@pytest.mark.parametrize("name", list(READ_CALLS))
def test_each_read_tool_answers_with_records(client: McpSession, name: str) -> None:
    result = client.call(name, READ_CALLS[name])
    assert not result.is_error, result.content[0].text
    data = json.loads(result.content[0].text)
    structured = result.structured_content
    assert structured == (data if isinstance(data, dict) else {"records": data})
    if not name.startswith(("account_", "cache_")):  # a fresh sandbox key has no history
        assert data, f"{name} returned nothing"


def test_records_are_the_cli_json_records(client: McpSession, krx: Callable[..., Any]) -> None:
    for name, args in (("assets", ["assets"]), ("symbols", ["symbols", "--quote", "USD"])):
        cli = krx("--format", "json", *args)
        assert cli.returncode == 0, cli.stderr
        assert client.records(name, READ_CALLS[name]) == json.loads(cli.stdout)


def test_verify_rows_pass_and_place_nothing(client: McpSession) -> None:
    before = client.records("account_orders", {})
    rows = client.records("verify", {})
    assert all(r["ok"] for r in rows if r["required"]), rows
    assert client.records("account_orders", {}) == before


@pytest.mark.parametrize(
    ("name", "arguments", "needle"),
    [
        ("ticker", {"symbols": "BTCUSD"}, "is not of type 'array'"),
        ("candles", {"symbol": "BTCUSD"}, "'interval' is a required property"),
        ("candles", {"symbol": "BTCUSD", "interval": "7x"}, "unknown interval"),
        ("candles", {"symbol": "BTCUSD", "interval": "h1", "days": 1, "since": "2h"}, "not both"),
        ("trades", {"symbol": "BTCUSD", "since": "yesterday"}, "bad time"),
        ("orderbook", {"symbol": "NOPEUSD"}, "did you mean"),
        ("orderbook", {"symbol": "BTCUSD", "depth": 0}, "minimum of 1"),
        ("status", {"verbose": True}, "Additional properties"),
        ("order_add", {"symbol": "BTCUSD"}, "--allow-trading"),
    ],
)
def test_malformed_arguments_are_tool_errors_with_a_hint(
    client: McpSession, name: str, arguments: dict[str, Any], needle: str
) -> None:
    result = client.call(name, arguments)
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("krx: error: ")
    assert needle in text
    assert "Traceback" not in text
    error = result.structured_content["error"]
    assert error["message"] and error["type"]


def test_long_candle_range_reports_progress(client: McpSession) -> None:
    progress: list[Any] = []
    # 1440 one-minute candles: beyond Kraken's 720 rows, so built from downloaded trades
    result = client.call("candles", {"symbol": "ETHUSD", "interval": "min1", "days": 1}, progress)
    assert not result.is_error, result.content[0].text
    assert len(json.loads(result.content[0].text)) > 720
    assert progress, "no progress notification"
    done = [p[0] for p in progress]
    assert done == sorted(done)
    assert "trades downloaded" in (progress[-1][2] or "")
    info = client.records("cache_info", {})
    assert any(r["trades"] > 0 for r in info)


def test_no_secret_in_any_result(client: McpSession, sandbox: SandboxHandle) -> None:
    client.call("account_balance", {})
    seen = "\n".join(client.texts)
    assert seen, "no results collected"
    assert sandbox.api_key not in seen
    assert sandbox.api_secret not in seen


def test_server_keeps_serving_and_logs_no_traceback(client: McpSession) -> None:
    assert client.call("candles", {"symbol": "BTCUSD", "interval": "nope"}).is_error
    assert not client.call("status", {}).is_error
    assert "Traceback" not in (client.home / "mcp.stderr").read_text()


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("symbols", {"market": "futures", "quote": "USD"}),
        ("ticker", {"symbols": ["PF_XBTUSD"], "market": "futures"}),
        ("orderbook", {"symbol": "PF_XBTUSD", "depth": 2, "market": "futures"}),
        ("candles", {"symbol": "PF_XBTUSD", "interval": "h1", "days": 1, "market": "futures"}),
        ("symbols", {"market": "margin"}),
    ],
)
def test_other_segments_through_the_market_argument(
    client: McpSession, name: str, arguments: dict[str, Any]
) -> None:
    assert client.records(name, arguments)


#: golden case of tests/e2e/test_record_contract.py -> the same question asked as a tool call
GOLDEN_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "status": ("status", {}),
    "symbols": ("symbols", {"quote": "USD"}),
    "symbols-margin": ("symbols", {"market": "margin", "quote": "USD"}),
    "assets": ("assets", {}),
    "ticker": ("ticker", {"symbols": ["BTCUSD", "ETHUSD"]}),
    "orderbook-json": ("orderbook", {"symbol": "BTCUSD", "depth": 3}),
    "trades-since": ("trades", {"symbol": "BTCUSD", "since": "2h", "limit": 5}),
    "candles-ohlc": ("candles", {"symbol": "BTCUSD", "interval": "h1", "days": 1}),
    "candles-history": ("candles", {"symbol": "BTCUSD", "interval": "h2", "days": 1}),
    "ticker-futures": ("ticker", {"symbols": ["PF_XBTUSD"], "market": "futures"}),
    "orderbook-json-futures": (
        "orderbook",
        {"symbol": "PF_XBTUSD", "depth": 3, "market": "futures"},
    ),
    "candles-futures": (
        "candles",
        {"symbol": "PF_XBTUSD", "interval": "h1", "days": 1, "market": "futures"},
    ),
    "balance": ("account_balance", {}),
    "trade-balance": ("account_trade_balance", {}),
    "balance-in-usd": ("account_balance_valued", {"quote": "USD"}),
    "account-fees": ("account_fees", {"symbols": ["BTCUSD"]}),
}


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_tool_records_have_the_cli_contract_keys(client: McpSession, case: str) -> None:
    golden = json.loads((Path(__file__).with_name("golden") / "record_keys.json").read_text())
    name, arguments = GOLDEN_CASES[case]
    data = client.records(name, arguments)
    first = data if isinstance(data, dict) else data[0]
    assert list(first) == golden[case]["keys"]


def test_query_reads_the_archive_exactly(client: McpSession) -> None:
    sql = "SELECT symbol, count(*) AS n, sum(volume) AS volume FROM trades GROUP BY 1"
    assert client.records("query", {"sql": sql}) == [
        {"symbol": "BTC/USD", "n": 2, "volume": "1234567890.12345679"}
    ]


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("COPY (SELECT * FROM trades) TO 'stolen.csv'", "only one SELECT"),
        ("SELECT 1; SELECT 2", "only one SELECT"),
        ("SELECT * FROM read_text('/etc/passwd')", "Permission Error"),
        ("SELECT * FROM nowhere", "query failed"),
    ],
)
def test_query_is_confined_to_one_select_over_the_archive(
    client: McpSession, sql: str, needle: str
) -> None:
    result = client.call("query", {"sql": sql})
    assert result.is_error and needle in result.content[0].text
    assert not (client.home / "stolen.csv").exists()
