"""Unit tests of fault bookkeeping (bounded budgets, validation, reset)."""

from __future__ import annotations

import pytest

from kraken_cli.sandbox.faults import FaultError, Faults


def test_budgets_are_consumed() -> None:
    faults = Faults()
    faults.update({"http_error": {"code": 520, "count": 2}, "service_unavailable": 1})
    assert [faults.take_http_error() for _ in range(3)] == [520, 520, None]
    assert faults.take_unavailable() and not faults.take_unavailable()


def test_checksum_corruption_every_and_count() -> None:
    faults = Faults()
    faults.update({"corrupt_checksum_every": 3})
    assert [faults.corrupt("BTC/USD", n) for n in range(1, 7)] == [False, False, True] * 2
    assert not faults.corrupt("ETH/USD", 3)
    faults.update({"corrupt_checksum_every": 0, "corrupt_checksum": {"symbol": "ETH/USD"}})
    assert faults.corrupt("ETH/USD", 1) and not faults.corrupt("ETH/USD", 2)


def test_drop_every() -> None:
    faults = Faults()
    faults.update({"drop_every": 4})
    assert [faults.should_drop(n) for n in range(1, 9)] == [False, False, False, True] * 2


@pytest.mark.parametrize(
    "spec",
    [
        {"drop_random": 0.9},
        {"delay_ms": 60_000},
        {"http_error": {"code": 404, "count": 1}},
        {"skew_seconds": 10**6},
        {"skew_seconds": float("nan")},
        {"skew_seconds": float("inf")},
        {"skew_seconds": True},
        {"drop_random": float("nan")},
        {"permissions": "query-funds"},
        {"system_status": "asleep"},
        {"frobnicate": 1},
    ],
)
def test_invalid_or_unbounded_specs_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(FaultError):
        Faults().update(spec)


def test_reset_and_json_round_trip() -> None:
    faults = Faults()
    faults.update(
        {
            "drop_every": 5,
            "skew_seconds": 7,
            "permissions": ["query-funds"],
            "http_error": {"code": 502, "count": 3},
        }
    )
    copy = Faults()
    copy.update(faults.to_json())
    assert copy.to_json() == faults.to_json()
    faults.update({"reset": True})
    assert faults.to_json() == Faults().to_json()


def test_control_endpoint_answers_400_to_nan() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from kraken_cli.sandbox import control
    from tests.sandbox.inproc import make_sandbox

    sb = make_sandbox()

    async def endpoint(request: object) -> object:
        return await control.faults(sb, request)  # type: ignore[arg-type]

    app = Starlette(routes=[Route("/sandbox/faults", endpoint, methods=["GET", "POST"])])
    with TestClient(app, base_url="http://127.0.0.1") as tc:
        for body in ('{"skew_seconds": NaN}', '{"skew_seconds": Infinity}'):
            response = tc.post("/sandbox/faults", content=body)
            assert response.status_code == 400, response.text
        assert tc.get("/sandbox/faults").json()["skew_seconds"] == 0.0
