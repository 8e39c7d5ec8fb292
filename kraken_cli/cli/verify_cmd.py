"""``krx verify``: the runtime proof that connectivity, clock, key and permissions work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli import exit_codes
from kraken_cli.cli.account_cmd import OtpOption
from kraken_cli.cli.common import emit, get_settings, info
from kraken_cli.cli.markets import MarketOption, debug_log, pick_market
from kraken_cli.output.columns import VERIFY as VERIFY_COLUMNS
from kraken_cli.output.columns import VERIFY_VIEW

if TYPE_CHECKING:
    from kraken_cli.services.verify.report import VerifyReport


def exit_code(category: str) -> int:
    """Return the exit code of a failure category (``services.verify.exit_category``)."""
    from kraken_cli.services.verify.report import AUTH, KRAKEN, NETWORK, RATE_LIMIT

    codes = {
        NETWORK: exit_codes.NETWORK,
        AUTH: exit_codes.AUTH,
        RATE_LIMIT: exit_codes.RATE_LIMITED,
        KRAKEN: exit_codes.KRAKEN,
    }
    return codes[category]


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
    from kraken_cli.services import verify as service

    report = service.run_verify(
        get_settings(ctx),
        pick_market(ctx, market),
        explicit=market is not None,
        symbol=symbol,
        otp=otp,
        debug_log=debug_log(ctx),
    )
    show_report(ctx, report)


def show_report(ctx: typer.Context, report: VerifyReport) -> None:
    """Render the checks, say on stderr what failed, and exit with the category's code."""
    from kraken_cli.services import verify as service

    emit([c.to_record() for c in report.checks], VERIFY_COLUMNS, view=VERIFY_VIEW, ctx=ctx)
    category = service.exit_category(report)
    if category is None:
        info("verify: all checks passed")
        return
    info(f"verify: FAILED: {', '.join(c.check for c in service.failed_checks(report))}")
    raise typer.Exit(exit_code(category))


def register(app: typer.Typer) -> None:
    """Add ``krx verify`` to ``app``."""
    app.command()(verify)
