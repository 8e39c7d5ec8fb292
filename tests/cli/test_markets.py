"""``--market``: defaults from the config, the exit-2 cases, and every new option in --help."""

from __future__ import annotations

import pytest

from kraken_cli.cli.app import app
from kraken_cli.cli.markets import default_market
from kraken_cli.config.settings import MarketSpec, Settings
from kraken_cli.models.futures import spot_market_hint
from kraken_cli.models.symbols import unknown_symbol


def _settings(*kinds: str) -> Settings:
    return Settings(markets=tuple(MarketSpec(market_type=k, symbols=()) for k in kinds))


def test_default_market_follows_a_single_configured_type() -> None:
    assert default_market(_settings()) == "spot"
    assert default_market(_settings("futures")) == "futures"
    assert default_market(_settings("margin")) == "margin"
    assert default_market(_settings("spot", "futures")) == "spot"


def test_unknown_spot_symbol_says_it_is_a_futures_one() -> None:
    err = unknown_symbol("pf_xbtusd", ["XBT/USD"])
    assert err.hint == spot_market_hint("pf_xbtusd")
    assert "did you mean" in str(unknown_symbol("BTCUSDX", ["BTC/USD"]).hint)


@pytest.mark.parametrize(
    "path",
    [
        ("symbols",),
        ("ticker",),
        ("orderbook",),
        ("trades",),
        ("candles",),
        ("verify",),
        ("stream",),
        ("account", "balance"),
        ("account", "trade-balance"),
        ("account", "orders"),
        ("account", "trades"),
        ("account", "positions"),
        ("order", "add"),
        ("order", "amend"),
        ("order", "cancel"),
        ("order", "cancel-all"),
    ],
)
def test_help_shows_market_with_an_example(path: tuple[str, ...]) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--market" in result.output
    assert "--market futures" in result.output or "--market margin" in result.output
