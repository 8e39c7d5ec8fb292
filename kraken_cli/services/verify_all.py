"""Run every ``krx verify`` check the invocation asks for: spot (and margin) and futures.

Front ends (the CLI, ``krx mcp``) call :func:`run_verify` and only render the report and,
for the CLI, map :func:`~kraken_cli.services.verify.exit_category` to an exit code.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from kraken_cli.errors import ConfigError
from kraken_cli.models.segment import Market
from kraken_cli.services.verify import AUTH, NETWORK, Check, VerifyReport

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings


def run_verify(
    settings: Settings,
    market: Market,
    *,
    market_given: bool,
    symbol: str | None = None,
    otp: str | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Check spot unless ``market`` is futures; add futures when asked or configured."""
    configured = {m.market_type.lower() for m in settings.markets}
    check_futures = market == Market.FUTURES or (not market_given and "futures" in configured)
    report = VerifyReport()
    if market != Market.FUTURES:
        report = _spot_report(settings, symbol, otp, debug_log)
    if check_futures:
        from kraken_cli.services.trading.futures import verify_futures

        report.checks.extend(futures_checks(verify_futures(settings)))
    return report


def _spot_report(
    settings: Settings,
    symbol: str | None,
    otp: str | None,
    debug_log: Callable[[str], None] | None,
) -> VerifyReport:
    from kraken_cli.services.account.spot import open_private
    from kraken_cli.services.market.spot import MarketService
    from kraken_cli.services.verify import VerifyService, adapt_market

    with ExitStack() as stack:
        market = MarketService.from_settings(settings, debug_log=debug_log)
        stack.callback(market.close)
        try:
            api = open_private(settings, otp=otp, debug_log=debug_log)
            stack.callback(api.close)
        except ConfigError:
            api = None  # reported as the "key accepted" row
        service = VerifyService(
            adapt_market(market),
            api,
            rest_url=settings.endpoints.rest_url,
            max_skew_s=settings.krx.max_clock_skew_s,
            probe_symbol=symbol or configured_symbol(settings) or "BTC/USD",
        )
        return service.run()


def futures_checks(rows: list[dict[str, Any]]) -> list[Check]:
    """Turn ``verify_futures`` rows into report checks (unreachable: network, else auth)."""
    return [
        Check(
            check=str(r["check"]),
            ok=bool(r["ok"]),
            detail=str(r["detail"]),
            category=None if r["ok"] else NETWORK if "connectivity" in r["check"] else AUTH,
        )
        for r in rows
    ]


def configured_symbol(settings: Settings) -> str | None:
    """Return the config's first spot or margin symbol (the AddOrder probe's pair)."""
    for market in settings.markets:
        if market.market_type.lower() in ("spot", "margin") and market.symbols:
            name: str = market.symbols[0].name
            return name
    return None
