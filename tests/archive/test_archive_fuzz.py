"""#18: `krx archive`, `archive compact` and `query` over hostile archive directories and args.

Each example builds a directory the user (or a crash, or another tool) could leave: missing, a
plain file, junk or empty ``.parquet`` parts, parts of another schema, leftovers of a killed
run, symlink loops, dangling links, odd partition names; then runs a command on it with
hostile arguments. Every run exits with a SPEC code other than 1, without a traceback or a
credential in its output. Kraken is unreachable and the stream is stubbed (one trade written).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kraken_cli.cli import app as app_module
from tests.cli.test_args_fuzz import ALLOWED, FUZZ, HOSTILE, hermetic  # noqa: F401
from tests.support.secrets import forms

KEY, SECRET = "spot-key-123456", "c2VjcmV0"
PART = Path("exchange=kraken/market=spot/channel=trades/symbol=BTC-USD/date=2026-11-30")
SQL = [
    "SELECT count(*) FROM trades", "SELECT * FROM book LIMIT 1", "select * from candles",
    "SELECT * FROM read_parquet('/etc/passwd')", "DROP TABLE trades", "SELECT 1; SELECT 2",
    "", "\x00", "x" * 300, "SELECT * FROM ticker WHERE price > 'a'",
]  # fmt: skip


def _junk(root: Path) -> None:
    (root / PART).mkdir(parents=True)
    (root / PART / "part-1.parquet").write_bytes(os.urandom(64))


def _empty(root: Path) -> None:
    (root / PART).mkdir(parents=True)
    (root / PART / "part-1.parquet").write_bytes(b"")


def _other_schema(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (root / PART).mkdir(parents=True)
    pq.write_table(pa.table({"x": [1, 2]}), root / PART / "part-1.parquet")


def _leftover(root: Path) -> None:
    (root / PART).mkdir(parents=True)
    (root / PART / ".part-1.parquet.tmp").write_bytes(b"PAR1" + os.urandom(32))


def _loop(root: Path) -> None:
    root.mkdir()
    (root / "exchange=kraken").symlink_to(root)


def _dangling(root: Path) -> None:
    root.mkdir()
    (root / "exchange=kraken").symlink_to(root / "nowhere")


def _odd_names(root: Path) -> None:
    for name in ("date=not-a-date", "symbol=\x1b[31m", "market=", "channel=trades=x"):
        (root / "exchange=kraken" / name).mkdir(parents=True)


def _plain_file(root: Path) -> None:
    root.write_text("not a directory")


LAYOUTS: list[Callable[[Path], None]] = [
    lambda _root: None, _junk, _empty, _other_schema, _leftover, _loop, _dangling, _odd_names,
    _plain_file,
]  # fmt: skip
values = st.sampled_from(HOSTILE) | st.text(max_size=12)


@st.composite
def commands(draw: st.DrawFn) -> Callable[[str], list[str]]:
    kind = draw(st.sampled_from(["compact", "query", "archive"]))
    if kind == "compact":
        extra = ["--date", draw(values)] if draw(st.booleans()) else []
        return lambda d: ["archive", "compact", d, *extra]
    if kind == "query":
        sql = draw(st.sampled_from(SQL) | st.text(max_size=30))
        return lambda d: ["query", sql, "--archive", d]
    options = ["--channels", draw(st.sampled_from(["trades", "trades,book", "x", ""]) | values)]
    if draw(st.booleans()):
        options += ["--roll", draw(values)]
    return lambda d: ["archive", d, "BTCUSD", *options, "--duration", "1"]


def _one_trade(_settings: Any, _market: Any, _args: Any, sink: Any, *_rest: Any) -> None:
    sink.write(
        {"channel": "trade", "symbol": "BTC/USD", "trade_id": 1, "price": "64000.00000",
         "volume": "0.10000000", "side": "buy", "ord_type": "limit",
         "time": "2026-11-30T12:00:00.000001Z"}
    )  # fmt: skip


@FUZZ
@given(layout=st.sampled_from(LAYOUTS), command=commands())
def test_hostile_archive_dirs_and_args_exit_with_a_spec_code(
    hermetic: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    layout: Callable[[Path], None],
    command: Callable[[str], list[str]],
) -> None:
    monkeypatch.setenv("KRAKEN_API_KEY", KEY)
    monkeypatch.setenv("KRAKEN_API_SECRET", SECRET)
    monkeypatch.setattr(
        "kraken_cli.services.archive.pair_decimals", lambda *_a: {"BTC/USD": (1, 8)}
    )
    monkeypatch.setattr("kraken_cli.services.archive.run_archive", _one_trade)
    root = Path(tempfile.mkdtemp(dir=hermetic)) / "archive"
    layout(root)
    args = command(str(root))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = app_module.run(args)
    output = out.getvalue() + err.getvalue()
    assert code in ALLOWED, (args, code, err.getvalue()[-600:])
    assert "Traceback" not in output, (args, output[-600:])
    assert not [f for s in (KEY, SECRET) for f in forms(s) if f in output], args
