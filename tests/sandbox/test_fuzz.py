"""Property tests: arbitrary parameters yield Kraken errors, never crashes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kraken_cli.sandbox import trading
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.rest_private import PRIVATE
from kraken_cli.sandbox.rest_public import PUBLIC, ApiError
from kraken_cli.sandbox.wire import NS

SB = Sandbox(Options(history_days=0.2, live_rate=0), clock=lambda: 1_790_000_000 * NS)
values = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e9",
            "NaN",
            "inf",
            "XBTUSD",
            "BTC/USD",
            "abc",
            "1.5",
            "buy",
            "limit",
            "market",
            "true",
            "0.00000001",
            "99999999999999999999",
        ]
    ),
    st.text(max_size=12),
)
param_names = [
    "pair",
    "since",
    "count",
    "interval",
    "asset",
    "info",
    "type",
    "ordertype",
    "volume",
    "price",
    "price2",
    "leverage",
    "oflags",
    "txid",
    "cl_ord_id",
    "userref",
    "timeinforce",
    "ofs",
    "timeout",
    "order_qty",
    "limit_price",
]
pairs = st.sampled_from(["XBTUSD", "XXBTZUSD", "BTC/USD", "SHIBUSD", "ETH/BTC", "nope", ""])
params = st.builds(
    lambda extra, pair: {**extra, "pair": pair} if pair is not None else extra,
    st.dictionaries(st.sampled_from(param_names), values, max_size=8),
    st.one_of(st.none(), pairs),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(sorted(PUBLIC)), query=params)
def test_public_endpoints_never_crash(method: str, query: dict[str, str]) -> None:
    try:
        PUBLIC[method](SB, query)
    except ApiError as exc:
        assert str(exc)[0] == "E"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(sorted(PRIVATE)), body=params)
def test_private_handlers_never_crash(method: str, body: dict[str, str]) -> None:
    handler, _ = PRIVATE[method]
    try:
        handler(SB, body)
    except ApiError as exc:
        assert str(exc)[0] == "E"


@pytest.mark.parametrize("volume", ["1e-9", "0.1e1", "1E+2"])
def test_exotic_number_spellings(volume: str) -> None:
    try:
        trading.add_order(
            SB,
            {
                "pair": "XBTUSD",
                "type": "buy",
                "ordertype": "limit",
                "volume": volume,
                "price": "1000.0",
                "validate": "true",
            },
        )
    except ApiError as exc:
        assert str(exc).startswith(("EGeneral", "EOrder"))
