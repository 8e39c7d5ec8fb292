"""``krx verify``: the runtime proof that connectivity, clock, key and permissions work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from kraken_cli.cli.account_cmd import OtpOption, market_for, private_api
from kraken_cli.cli.common import emit, get_settings, info
from kraken_cli.cli.markets import FUTURES, MarketOption, pick_market
from kraken_cli.output.columns import VERIFY as VERIFY_COLUMNS

if TYPE_CHECKING:
    from kraken_cli.services.verify import Check


def verify(
    ctx: typer.Context,
    symbol: Annotated[
        str | None,
        typer.Option("--symbol", help="Pair for the validate-only AddOrder probe."),
    ] = None,
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """Check connectivity, clock skew, the key and each permission; nothing is ever placed.

    Exit 0 when every required check passes, 4 when the key, a permission or the clock
    fails, 6 when Kraken is unreachable. The futures rows (futures reachable, server time,
    futures key accepted, permissions probed) are added when the config has a futures
    market; --market futures checks only futures, --market spot only spot.

    \b
    Examples:
      krx verify --format json
      krx verify --market futures
    """
    from contextlib import ExitStack

    from kraken_cli.cli import exit_codes
    from kraken_cli.errors import ConfigError
    from kraken_cli.services.verify import (
        AUTH,
        KRAKEN,
        NETWORK,
        RATE_LIMIT,
        VerifyReport,
        VerifyService,
        adapt_market,
        exit_category,
    )

    settings = get_settings(ctx)
    chosen = pick_market(ctx, market)
    configured = {m.market_type.lower() for m in settings.markets}
    check_futures = chosen == FUTURES or (market is None and FUTURES in configured)
    report = VerifyReport()
    if chosen != FUTURES:
        probe_symbol = symbol or _configured_symbol(settings) or "BTC/USD"
        with ExitStack() as stack:
            spot_market = stack.enter_context(market_for(ctx))
            try:
                api = stack.enter_context(private_api(ctx, otp))
            except ConfigError:
                api = None  # reported as the "key accepted" row
            service = VerifyService(
                adapt_market(spot_market),
                api,
                rest_url=settings.endpoints.rest_url,
                max_skew_s=settings.krx.max_clock_skew_s,
                probe_symbol=probe_symbol,
            )
            report = service.run()
    if check_futures:
        from kraken_cli.services.trading.futures import verify_futures

        report.checks.extend(futures_checks(verify_futures(settings)))
    emit([c.to_record() for c in report.checks], VERIFY_COLUMNS, ctx=ctx)
    category = exit_category(report)
    codes = {
        NETWORK: exit_codes.NETWORK,
        AUTH: exit_codes.AUTH,
        RATE_LIMIT: exit_codes.RATE_LIMITED,
        KRAKEN: exit_codes.KRAKEN,
    }
    failed = [c.check for c in report.checks if c.required and not c.ok]
    if category is None:
        info("verify: all checks passed")
        return
    info(f"verify: FAILED: {', '.join(failed)}")
    raise typer.Exit(codes[category])


def futures_checks(rows: list[dict[str, Any]]) -> list[Check]:
    """Turn ``verify_futures`` rows into report checks (unreachable: network, else auth)."""
    from kraken_cli.services.verify import AUTH, NETWORK, Check

    return [
        Check(
            check=str(r["check"]),
            ok=bool(r["ok"]),
            detail=str(r["detail"]),
            category=None if r["ok"] else NETWORK if "connectivity" in r["check"] else AUTH,
        )
        for r in rows
    ]


def _configured_symbol(settings: object) -> str | None:
    for market in getattr(settings, "markets", ()):
        if market.market_type.lower() in ("spot", "margin") and market.symbols:
            name: str = market.symbols[0].name
            return name
    return None


def register(app: typer.Typer) -> None:
    """Add ``krx verify`` to ``app``."""
    app.command()(verify)
