"""``krx futures ...``: aliases of the account commands on ``--market futures``.

``krx futures positions|margin|fills`` call the same account service as
``krx account positions|trade-balance|trades --market futures`` (the same ``--market`` parse).
"""

from __future__ import annotations

import typer

from kraken_cli.cli.account_cmd import account_for
from kraken_cli.cli.common import emit

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
    with account_for(ctx, "futures", None) as account:
        emit([p.to_record() for p in account.positions()], ctx=ctx)


@futures_app.command("margin")
def margin_cmd(ctx: typer.Context) -> None:
    """Show margin figures of each futures margin account (flex and single-collateral).

    Example: krx futures margin --format json
    """
    with account_for(ctx, "futures", None) as account:
        emit([m.to_record() for m in account.trade_balance()], ctx=ctx)


@futures_app.command("fills")
def fills_cmd(ctx: typer.Context) -> None:
    """List recent futures fills, newest first.

    Example: krx futures fills | jq .price
    """
    with account_for(ctx, "futures", None) as account:
        emit([f.to_record() for f in account.trades()], ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add the ``futures`` command group."""
    app.add_typer(futures_app)
