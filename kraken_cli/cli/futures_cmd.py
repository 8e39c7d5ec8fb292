"""``krx futures ...``: futures-only helpers (positions, margin, fills).

The main futures wiring (``--market futures`` on symbols/ticker/orderbook/trades/candles/
account/order/stream/verify) lives in the shared commands and calls
``kraken_cli.services.futures_*``; these helpers cover what has no spot counterpart.
"""

from __future__ import annotations

import typer

from kraken_cli.cli.common import emit, get_settings

futures_app = typer.Typer(
    name="futures",
    help="Kraken Futures helpers: positions, margin accounts, fills.",
    no_args_is_help=True,
)


@futures_app.command("positions")
def positions_cmd(ctx: typer.Context) -> None:
    """List open futures positions.

    Example: krx futures positions --format csv
    """
    from kraken_cli.services.account import futures as futures_account
    from kraken_cli.services.market.futures import futures_client

    with futures_client(get_settings(ctx)) as client:
        emit(futures_account.positions(client), ctx=ctx)


@futures_app.command("margin")
def margin_cmd(ctx: typer.Context) -> None:
    """Show margin figures of each futures margin account (flex and single-collateral).

    Example: krx futures margin --format json
    """
    from kraken_cli.services.account import futures as futures_account
    from kraken_cli.services.market.futures import futures_client

    with futures_client(get_settings(ctx)) as client:
        emit(futures_account.margin_summary(client), ctx=ctx)


@futures_app.command("fills")
def fills_cmd(ctx: typer.Context) -> None:
    """List recent futures fills, newest first.

    Example: krx futures fills | jq .price
    """
    from kraken_cli.services.account import futures as futures_account
    from kraken_cli.services.market.futures import futures_client

    with futures_client(get_settings(ctx)) as client:
        emit(futures_account.fills(client), ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add the ``futures`` command group."""
    app.add_typer(futures_app)
