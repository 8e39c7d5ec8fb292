"""Compare the JSON *shape* of a sandbox reply with a real Kraken sample.

Same keys, same JSON type per field (string vs integer vs float vs list vs object vs null),
lists compared element-wise: positionally for rows (heterogeneous samples such as a Trades
row), against the first sample element otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def sample(name: str) -> Any:
    """Load a sample file (numbers kept as int/float)."""
    return json.loads((SAMPLES / name).read_text())


def kind(value: Any) -> str:
    """Return the JSON type name of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return "object"


def shape_errors(
    ours: Any, real: Any, path: str = "$", extra_ok: frozenset[str] = frozenset()
) -> list[str]:
    """Return the differences in shape between ``ours`` and ``real`` (empty = same shape)."""
    if kind(ours) != kind(real):
        # a float sample value that happens to be integral (``0.0``) may come back as 0
        if {kind(ours), kind(real)} == {"int", "float"} and real == int(real):
            return []
        return [f"{path}: {kind(ours)} != sample {kind(real)} ({ours!r} vs {real!r})"]
    errors: list[str] = []
    if isinstance(real, dict):
        missing = set(real) - set(ours)
        extra = set(ours) - set(real) - extra_ok
        if missing:
            errors.append(f"{path}: missing keys {sorted(missing)}")
        if extra:
            errors.append(f"{path}: extra keys {sorted(extra)}")
        for key in set(real) & set(ours):
            errors += shape_errors(ours[key], real[key], f"{path}.{key}", extra_ok)
    elif isinstance(real, list) and real and ours:
        rows = len({kind(v) for v in real}) > 1
        if rows and len(ours) != len(real):
            errors.append(f"{path}: {len(ours)} elements != sample {len(real)}")
        for index, value in enumerate(ours):
            reference = real[index] if rows and index < len(real) else real[0]
            errors += shape_errors(value, reference, f"{path}[{index}]", extra_ok)
    return errors


def assert_shape(ours: Any, real: Any, extra_ok: frozenset[str] = frozenset()) -> None:
    """Fail with every shape difference listed."""
    errors = shape_errors(ours, real, extra_ok=extra_ok)
    assert not errors, "\n".join(errors)


def ok(response: httpx.Response) -> Any:
    """Return ``result`` of a successful Kraken envelope (HTTP 200, empty ``error``)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"] == [], body
    return body["result"]


def err(response: httpx.Response) -> list[str]:
    """Return the ``error`` list of a failed Kraken envelope (still HTTP 200)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"], body
    return list(body["error"])


#: Order fields the CCXT fixtures store as strings but Kraken sends as JSON numbers (Kraken's
#: docs examples; pykrakenapi and krakenex read them as numbers; PROTOCOL "Order object").
NUMERIC_ORDER_FIELDS = ("userref", "opentm", "closetm", "starttm", "expiretm")


def as_sent(order: dict[str, Any]) -> dict[str, Any]:
    """Return a sample order with :data:`NUMERIC_ORDER_FIELDS` as the numbers Kraken sends."""
    return {
        key: json.loads(value) if key in NUMERIC_ORDER_FIELDS and isinstance(value, str) else value
        for key, value in order.items()
    }
