"""``krx --sandbox watch`` in a pseudo-terminal: a live view appears, Ctrl-C restores the terminal.

The process gets a real terminal (an 80x24 pty as its controlling tty), so rich draws as it would
for a person, and Ctrl-C is the terminal's own: byte 0x03 becomes SIGINT for the process.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env
from tests.support.pty_run import PtyProcess

pytestmark = pytest.mark.e2e

COLUMNS, ROWS = 80, 24
HIDE_CURSOR, SHOW_CURSOR = b"\x1b[?25l", b"\x1b[?25h"


def screen_text(output: bytes) -> str:
    """Return terminal output as text: a redraw's cursor moves as line ends, other escape
    sequences, carriage returns and the terminal's echo of Ctrl-C dropped."""
    # the echo lands between any two bytes, even inside a character: drop it before decoding
    text = output.replace(b"^C", b"").decode(errors="replace")
    text = re.sub(r"\x1b\[(\d*A|2K)", "\n", text)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")


@pytest.mark.parametrize(
    ("view", "symbols", "expect"),
    [
        # the verified checksum, then ladder rows (price, volume, cumulative volume: whole) and
        # the spread between asks and bids
        ("book", ["BTCUSD"], r"checksum \d+\n.*\n\d+\.\d+ +\d+\.\d{8} +\d+\.\d{8} .*spread"),
        ("ticker", ["BTCUSD", "ETHUSD"], r"\nBTC/USD +\d+\.\d+ +[-+]\d+\.\d+ +[-+]\d+\.\d+%"),
        ("trades", ["BTCUSD"], r"\n\d\d:\d\d:\d\d\.\d{3} +(buy|sell) +\d+\.\d+ +\d+\.\d{8}"),
    ],
)
def test_watch_draws_live_and_ctrl_c_exits_cleanly(
    sandbox: SandboxHandle, tmp_path: Path, view: str, symbols: list[str], expect: str
) -> None:
    env = krx_env(tmp_path, sandbox=sandbox)
    env.pop("LINES", None)
    terminal = PtyProcess(["--sandbox", "watch", view, *symbols], env, columns=COLUMNS, rows=ROWS)
    drawn = terminal.read_until_seen(
        lambda output: re.search(expect, screen_text(output), re.S) is not None, timeout=30
    )
    if not drawn:
        terminal.process.kill()
    assert drawn, screen_text(terminal.output)[-2000:]
    assert HIDE_CURSOR in terminal.output  # a live display, redrawn in place
    terminal.send("\x03")  # Ctrl-C, as typed
    code = terminal.finish(timeout=30)
    assert code == 130
    tail = terminal.output[terminal.output.rindex(HIDE_CURSOR) :]
    assert SHOW_CURSOR in tail  # the terminal is given back with its cursor
    assert b"krx: interrupted" in tail
    assert b"Traceback" not in terminal.output
    too_wide = [line for line in screen_text(terminal.output).split("\n") if len(line) > COLUMNS]
    assert not too_wide, too_wide[:3]
