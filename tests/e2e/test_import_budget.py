"""Start-up budget: a one-shot command imports only what it uses (issue 17: <= 2x its floor).

Each command runs as a real process against the sandbox under ``python -X importtime``; the
modules it loaded are read from that report, with who imported each one, so a failure names the
offending import and the chain that brought it in. A module that is really needed now belongs
inside the command that needs it (see the preamble's rule on imports), not in this list.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e

#: Packages no REST one-shot command may import (prefix match on the module name).
FORBIDDEN = (
    "httpx",  # krx's REST transport is http.client; httpx only behind a proxy or in tests
    "httpcore",
    "h11",
    "trio",
    "anyio",
    "click",  # the real click (httpx's or uvicorn's CLI); typer vendors its own
    "rich",  # tables on a terminal only; jsonl output needs none of it
    "pygments",
    "markdown_it",
    "pydantic",
    "msgspec",
    "orjson",
    "websocket",
    "websockets",
    "jsonschema",
    "yaml",
    "pyarrow",
    "duckdb",
    "fastapi",
    "starlette",
    "uvicorn",
    "mcp",
    "sqlite3",
    "kraken_cli.sandbox",
    "kraken_cli.serve",
    "kraken_cli.archive",
    "kraken_cli.mcp",
    "kraken_cli.services.stream",
    "kraken_cli.services.trading",
    "kraken_cli.services.account",
    "kraken_cli.models.trading",
    "kraken_cli.models.account",
    "kraken_cli.client.ws",
    "kraken_cli.client.book",
    # what other commands need (issue 17: each dataclass costs ~0.5 ms to create)
    "kraken_cli.models.market",  # trades and candles; ticker and book records have their own
    "kraken_cli.models.order_value",
    "kraken_cli.config.parse",  # reading a config file: none here
    "kraken_cli.config.validate",
    "hashlib",
    "csv",
)

#: Most modules a REST one-shot command may load (interpreter start-up included): 240 for
#: `krx ticker`, 242 for `krx orderbook` when lowered (issue 17: 251 before); headroom for
#: growth, not for a library.
MODULE_CEILING = 250

#: A closed hour well inside the sandbox's history and before the OHLC window: the second run
#: answers it from the trade store.
_HOUR = int(time.time()) // 3600 * 3600 - 20 * 3600

COMMANDS = {
    "ticker": ("ticker", "BTCUSD"),
    "orderbook": ("orderbook", "BTCUSD", "--depth", "5"),
    "status": ("status",),
    "cached candles": (
        "candles",
        "BTCUSD",
        "min1",
        "--since",
        str(_HOUR),
        "--until",
        str(_HOUR + 3600),
    ),
}

#: A command answered from local caches opens no connection: no HTTP, TLS or socket modules.
OFFLINE_FORBIDDEN = {"cached candles": ("http.client", "ssl", "socket", "email")}
#: What a command may import although the others may not (it is what the command does:
#: candles look for a Parquet archive covering the range before the trade store).
ALLOWED = {
    "cached candles": (
        "sqlite3",
        "kraken_cli.archive.layout",
        "kraken_cli.archive.trades",
        "kraken_cli.models.market",
        "hashlib",  # the trade store's name for a long server URL (services/history/candles)
    )
}


@dataclass(frozen=True)
class Imported:
    """One module in an ``-X importtime`` report and the chain of modules that imported it."""

    name: str
    chain: tuple[str, ...]


def imports_of(args: tuple[str, ...], sandbox: SandboxHandle, home: Path) -> list[Imported]:
    """Run ``krx --sandbox ARGS`` (twice: the second run has warm caches); return its imports."""
    command = [sys.executable, "-X", "importtime", "-m", "kraken_cli", "--sandbox", *args]
    env = krx_env(home, sandbox=sandbox)
    for _ in range(2):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
    return parse_importtime(done.stderr)


def parse_importtime(report: str) -> list[Imported]:
    """Return the modules of an ``-X importtime`` report, each with its importers."""
    rows: list[tuple[int, str]] = []
    for line in report.splitlines():
        if not line.startswith("import time:") or line.endswith("| imported package"):
            continue
        name = line.split("|")[2]
        rows.append(((len(name) - len(name.lstrip())) // 2, name.strip()))
    # the report lists a module's imports before it, one level deeper
    result = []
    for index, (depth, name) in enumerate(rows):
        chain, level = [], depth
        for parent_depth, parent in rows[index + 1 :]:
            if parent_depth < level:
                chain.append(parent)
                level = parent_depth
        result.append(Imported(name, tuple(chain)))
    return result


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _forbidden(module: str, command: str) -> bool:
    allowed = ALLOWED.get(command, ())
    if _matches(module, allowed) or any(a.startswith(module + ".") for a in allowed):
        return False  # an allowed module, or the package it lives in
    return _matches(module, (*FORBIDDEN, *OFFLINE_FORBIDDEN.get(command, ())))


def test_the_importtime_report_is_read_with_its_chains() -> None:
    report = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       5 |          5 |     c",
            "import time:       5 |         10 |   b",
            "import time:       5 |         15 | a",
        ]
    )
    assert parse_importtime(report)[0] == Imported("c", ("b", "a"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_rest_command_imports_only_what_it_uses(
    command: str, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    imported = imports_of(COMMANDS[command], sandbox, tmp_path)
    offending = [
        f"  {m.name}  (imported by {' <- '.join(m.chain) or 'the entry point'})"
        for m in imported
        if _forbidden(m.name, command) and not (m.chain and _forbidden(m.chain[0], command))
    ]
    assert not offending, (
        f"`krx {command}` imports modules it does not use (import them inside the command or "
        "module that needs them):\n" + "\n".join(offending)
    )
    assert len(imported) <= MODULE_CEILING, (
        f"`krx {command}` loads {len(imported)} modules (ceiling {MODULE_CEILING}); "
        "the newest kraken_cli ones: "
        + ", ".join(m.name for m in imported if m.name.startswith("kraken_cli"))[-600:]
    )
