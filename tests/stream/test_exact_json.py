"""The fast decoder (msgspec) against the stdlib one it replaced, on every real WS sample."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.client.exact_json import exact_decoder, stdlib_decoder
from tests.stream.fakes import SAMPLES, raw_frames

OLD = json.JSONDecoder(parse_float=str).decode  # what the stream used before msgspec
WS_SAMPLES = sorted(p.name for p in SAMPLES.glob("ws-v2-*.json"))


def units(name: str) -> list[str]:
    """Return the whole file and every line that starts a frame (one-frame-per-line captures)."""
    text = (SAMPLES / name).read_text()
    return [text, *raw_frames(name)]


def outcome(decode: Any, data: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", decode(data)
    except ValueError:
        return "refused", None


@pytest.mark.parametrize("name", WS_SAMPLES)
def test_fast_decoder_equals_the_old_one_on_real_samples(name: str) -> None:
    fast = exact_decoder()
    for text in units(name):
        expected = outcome(OLD, text)
        assert outcome(fast, text) == expected
        assert outcome(fast, text.encode()) == expected
        assert outcome(stdlib_decoder(), text.encode()) == expected
    assert outcome(OLD, units(name)[0])[0] == "ok"


def test_numbers_keep_their_wire_text() -> None:
    msg = exact_decoder()(b'{"a":0.00100000,"b":1E5,"c":-0.0,"n":18125794168470749634,"i":7}')
    assert msg == {"a": "0.00100000", "b": "1E5", "c": "-0.0", "n": 18125794168470749634, "i": 7}


@pytest.mark.parametrize(
    "data",
    [
        '{"price":NaN}',  # msgspec refuses, the stdlib accepts: the stdlib decides
        '{"s":"\\ud800"}',
        "[1, 2]",
        "not json",
        '{"a":1,"a":2}',
        b'{"s":"\xff"}',
        b"",
    ],
)
def test_odd_input_gets_the_old_decoders_answer(data: str | bytes) -> None:
    text = data if isinstance(data, str) else None
    expected = outcome(OLD, text) if text is not None else outcome(stdlib_decoder(), data)
    got = outcome(exact_decoder(), data)
    assert repr(got) == repr(expected)  # repr: nan != nan


class Num(str):
    """A JSON number literal, written as is."""


def dump(value: Any) -> str:
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dump(v) for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


number = st.from_regex(r"\A-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,12})?([eE][+-]?[0-9]{1,3})?\Z")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | number.map(Num) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_any_json_document_decodes_the_same(value: Any) -> None:
    text = dump(value)
    assert outcome(exact_decoder(), text) == outcome(OLD, text)
    assert outcome(exact_decoder(), text.encode()) == outcome(OLD, text)


def test_without_msgspec_the_stdlib_decoder_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msgspec", None)  # `import msgspec` raises ImportError
    decode = exact_decoder()
    assert decode.__qualname__.startswith("stdlib_decoder")
    for name in WS_SAMPLES:
        for text in units(name):
            assert outcome(decode, text) == outcome(OLD, text)


def test_stream_records_are_the_same_without_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pure-Python fallback (no msgspec wheel) streams exactly what the fast path does."""
    from kraken_cli.services.stream.records import StreamRequest
    from tests.stream.test_service import BTC, Run, book_frames

    script = [(SAMPLES / n).read_text() for n in ("ws-v2-trade.json", "ws-v2-ticker.json")]
    script.append((SAMPLES / "ws-v2-ohlc.json").read_text())

    def records() -> list[dict[str, Any]]:
        book = Run([StreamRequest("book", (BTC,), depth=10)], [book_frames()], count=41)
        book.run()
        reqs = [StreamRequest(c, (BTC,), interval=1) for c in ("trade", "ticker", "ohlc")]
        other = Run(reqs, [list(script)], count=3)
        other.run()
        return book.records + other.records

    fast = records()
    monkeypatch.setitem(sys.modules, "msgspec", None)
    assert records() == fast
    assert len(fast) == 44
