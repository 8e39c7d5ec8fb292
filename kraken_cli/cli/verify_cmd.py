"""``krx verify``: the runtime proof that connectivity, clock, key and permissions work."""

from __future__ import annotations

from typing import Annotated

import typer

from kraken_cli.cli.account_cmd import OtpOption, market_for, private_api, settings_for
from kraken_cli.cli.common import emit, info

VERIFY_COLUMNS = ("check", "ok", "detail")


def verify(
    ctx: typer.Context,
    symbol: Annotated[
        str | None,
        typer.Option("--symbol", help="Pair for the validate-only AddOrder probe."),
    ] = None,
    otp: OtpOption = None,
) -> None:
    """Check connectivity, clock skew, the key and each permission; nothing is ever placed.

    Exit 0 when every required check passes, 4 when the key, a permission or the clock
    fails, 6 when Kraken is unreachable.

    Example: krx verify --format json
    """
    from contextlib import ExitStack

    from kraken_cli.cli import exit_codes
    from kraken_cli.errors import ConfigError
    from kraken_cli.services.verify import (
        AUTH,
        KRAKEN,
        NETWORK,
        RATE_LIMIT,
        VerifyService,
        adapt_market,
        exit_category,
    )

    settings = settings_for(ctx)
    probe_symbol = symbol or _configured_symbol(settings) or "BTC/USD"
    with ExitStack() as stack:
        market = stack.enter_context(market_for(ctx))
        try:
            api = stack.enter_context(private_api(ctx, otp))
        except ConfigError:
            api = None  # reported as the "key accepted" row
        service = VerifyService(
            adapt_market(market),
            api,
            rest_url=settings.endpoints.rest_url,
            max_skew_s=settings.krx.max_clock_skew_s,
            probe_symbol=probe_symbol,
        )
        report = service.run()
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


def _configured_symbol(settings: object) -> str | None:
    for market in getattr(settings, "markets", ()):
        if market.market_type.lower() in ("spot", "margin") and market.symbols:
            name: str = market.symbols[0].name
            return name
    return None


def register(app: typer.Typer) -> None:
    """Add ``krx verify`` to ``app``."""
    app.command()(verify)
