import io
import json
from datetime import UTC, datetime
from decimal import Decimal

from kraken_cli.output.render import render, render_object

RECORDS = [
    {"symbol": "BTC/USD", "price": "64525.0", "volume": Decimal("0.00000010"), "ok": True},
    {"symbol": "BTC/USD", "price": "1.10", "volume": Decimal("2.50000000"), "ok": False},
]


def _render(fmt: str, records: list[dict[str, object]] = RECORDS) -> str:
    out = io.StringIO()
    render(records, fmt, out=out)
    return out.getvalue()


def test_jsonl_keeps_exact_decimals() -> None:
    lines = _render("jsonl").splitlines()
    first = json.loads(lines[0])
    assert first["price"] == "64525.0"
    assert first["volume"] == "0.00000010"  # never 1.0E-7
    assert json.loads(lines[1])["price"] == "1.10"


def test_json_is_one_array() -> None:
    data = json.loads(_render("json"))
    assert [row["volume"] for row in data] == ["0.00000010", "2.50000000"]


def test_csv_header_and_order() -> None:
    rows = _render("csv").splitlines()
    assert rows[0] == "symbol,price,volume,ok"
    assert rows[1] == "BTC/USD,64525.0,0.00000010,true"


def test_csv_columns_first_then_extras() -> None:
    out = io.StringIO()
    render([{"b": 1, "a": 2, "c": 3}], "csv", columns=["a", "b"], out=out)
    assert out.getvalue().splitlines()[0] == "a,b,c"


def test_table_renders_and_empty() -> None:
    text = _render("table")
    assert "64525.0" in text and "0.00000010" in text
    assert "no rows" in _render("table", [])


def test_times_render_utc_z() -> None:
    out = io.StringIO()
    render([{"time": datetime(2026, 1, 1, tzinfo=UTC)}], "jsonl", out=out)
    assert json.loads(out.getvalue())["time"] == "2026-01-01T00:00:00Z"


def test_object_formats() -> None:
    out = io.StringIO()
    render_object({"symbol": "BTC/USD", "bids": [["1.0", "2.00"]]}, "jsonl", out=out)
    assert json.loads(out.getvalue())["bids"] == [["1.0", "2.00"]]
