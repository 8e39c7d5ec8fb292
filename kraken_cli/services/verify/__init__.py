"""The verify use case: prove the set-up works, one typed check per row; nothing is ever placed.

``run_verify(settings, market, explicit=...)`` checks the spot key (spot and margin share it)
and, for ``--market futures`` or a config with a futures market, the futures key. The CLI renders
the :class:`VerifyReport` and picks the exit code from :func:`exit_category`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING

from kraken_cli.models.segment import Market
from kraken_cli.services.verify.report import (
    AUTH,
    KRAKEN,
    NETWORK,
    RATE_LIMIT,
    Check,
    VerifyReport,
    exit_category,
)

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.services.market.spot import SpotMarketData

__all__ = [
    "AUTH",
    "KRAKEN",
    "NETWORK",
    "RATE_LIMIT",
    "Check",
    "VerifyReport",
    "exit_category",
    "run_verify",
]


def segments(settings: Settings, market: Market, *, explicit: bool) -> tuple[bool, bool]:
    """Return (check spot?, check futures?): futures too when the config has a futures market."""
    configured = {m.market_type.lower() for m in settings.markets}
    spot = not market.uses_futures_api
    futures = market.uses_futures_api or (not explicit and Market.FUTURES in configured)
    return spot, futures


def run_verify(
    settings: Settings,
    market: Market,
    *,
    explicit: bool = False,
    symbol: str | None = None,
    otp: str | None = None,
    debug_log: Callable[[str], None] | None = None,
    market_data: SpotMarketData | None = None,
) -> VerifyReport:
    """Run the checks of ``market`` (``explicit``: only that segment was asked for).

    ``market_data``: a running spot market-data service to probe with (its pacer and symbol
    cache are shared, as in ``krx serve``); by default verify opens its own.
    """
    spot, futures = segments(settings, market, explicit=explicit)
    report = VerifyReport()
    if spot:
        report = _spot_report(settings, symbol, otp, debug_log, market_data)
    if futures:
        from kraken_cli.services.verify.futures import verify_futures

        report.checks.extend(verify_futures(settings))
    return report


def _spot_report(
    settings: Settings,
    symbol: str | None,
    otp: str | None,
    debug_log: Callable[[str], None] | None,
    market_data: SpotMarketData | None = None,
) -> VerifyReport:
    from kraken_cli.errors import ConfigError
    from kraken_cli.services.account.spot import open_private
    from kraken_cli.services.market.spot import MarketService
    from kraken_cli.services.verify.spot import VerifyService, adapt_market

    with ExitStack() as stack:
        market = market_data
        if market is None:
            market = MarketService.from_settings(settings, debug_log=debug_log)
            stack.callback(market.close)
        no_key = None
        try:
            api = open_private(settings, otp=otp, debug_log=debug_log)
            stack.callback(api.close)
        except ConfigError as exc:
            api = None  # reported as the "key accepted" row
            no_key = exc.message + (f" ({exc.hint})" if exc.hint else "")
        service = VerifyService(
            adapt_market(market),
            api,
            rest_url=settings.endpoints.rest_url,
            max_skew_s=settings.krx.max_clock_skew_s,
            probe_symbol=symbol or _configured_symbol(settings) or "BTC/USD",
            no_key_detail=no_key,
        )
        return service.run()


def _configured_symbol(settings: Settings) -> str | None:
    for market in settings.markets:
        if market.market_type.lower() in (Market.SPOT, Market.MARGIN) and market.symbols:
            name: str = market.symbols[0].name
            return name
    return None


def failed_checks(report: VerifyReport) -> list[Check]:
    """Return the required checks that failed."""
    return [c for c in report.checks if c.required and not c.ok]
