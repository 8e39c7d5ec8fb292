"""The real `krx` at a real (pseudo) terminal of 80 and 160 columns, against the sandbox:
ticker, orderbook, symbols and account orders fit, keep every number whole, and mark what
they leave out; NO_COLOR leaves no colour codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env
from tests.support.pty_run import PtyProcess

pytestmark = pytest.mark.e2e

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _screen(sandbox: SandboxHandle, home: Path, columns: int, *args: str, **env: str) -> str:
    process = PtyProcess(
        ["--sandbox", *args], krx_env(home, sandbox=sandbox, **env), columns=columns
    )
    code = process.finish(timeout=60)
    text = process.output.decode()
    assert code == 0, text
    return text


def _cells(text: str) -> list[list[str]]:
    plain = _ESCAPES.sub("", text).replace("\r", "")
    lines = [line for line in plain.splitlines() if line.startswith("│")]
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in lines]


@pytest.mark.parametrize("columns", [80, 160])
@pytest.mark.parametrize(
    "args",
    [
        ("ticker", "BTCUSD", "ETHUSD", "DOGEUSD"),
        ("orderbook", "BTCUSD", "--depth", "5"),
        ("symbols", "--quote", "USD"),
        ("account", "orders"),
    ],
)
def test_tables_fit_the_terminal_with_whole_numbers(
    sandbox: SandboxHandle, tmp_path: Path, columns: int, args: tuple[str, ...]
) -> None:
    if args[0] == "account":  # give the orders view rows
        for price in ("1000", "1001.5"):
            _screen(sandbox, tmp_path, columns, "order", "add", "BTCUSD", "buy", "0.001",
                    "--price", price, "--yes")  # fmt: skip
    text = _screen(sandbox, tmp_path, columns, *args)
    plain = _ESCAPES.sub("", text).replace("\r", "")
    assert all(len(line) <= columns for line in plain.splitlines()), plain
    rows = _cells(text)
    assert rows, plain
    width = len(rows[0])
    for cells in rows:
        assert len(cells) == width and all(cell for cell in cells[:1]), plain
    # every row is one line: a wrapped cell would leave a row whose first cell is empty
    numbers = [cell for cells in rows for cell in cells if _NUMBER.match(cell)]
    assert numbers, plain
    if "hidden" in plain:
        assert "choose with --columns" in " ".join(plain.split())


def test_narrow_ticker_marks_what_it_left_out(sandbox: SandboxHandle, tmp_path: Path) -> None:
    text = _ESCAPES.sub("", _screen(sandbox, tmp_path, 80, "ticker", "BTCUSD", "ETHUSD"))
    flat = " ".join(text.split())
    assert "columns hidden" in flat and "trades_24h" in flat


def test_colour_on_a_terminal_and_off_with_no_color(sandbox: SandboxHandle, tmp_path: Path) -> None:
    coloured = _screen(sandbox, tmp_path, 120, "orderbook", "BTCUSD", "--depth", "3", NO_COLOR="")
    assert "\x1b[32m" in coloured and "\x1b[31m" in coloured  # bids green, asks red
    plain = _screen(sandbox, tmp_path, 120, "orderbook", "BTCUSD", "--depth", "3")
    assert not re.search(r"\x1b\[[0-9;]*3[1-7]m", plain)  # krx_env sets NO_COLOR=1
