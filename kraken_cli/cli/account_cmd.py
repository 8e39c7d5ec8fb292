"""``krx account ...``: balances, orders, trades, ledger and positions of the spot key.

Also the helpers order_cmd and verify_cmd share: settings, the signed client, name mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli.common import emit, get_settings
from kraken_cli.cli.markets import (
    FUTURES,
    MARGIN,
    MarketOption,
    debug_log,
    futures_session,
    pick_market,
)
from kraken_cli.output.columns import ACCOUNT_TRADE as TRADE_COLUMNS
from kraken_cli.output.columns import BALANCE as BALANCE_COLUMNS
from kraken_cli.output.columns import LEDGER as LEDGER_COLUMNS
from kraken_cli.output.columns import ORDER as ORDER_COLUMNS

if TYPE_CHECKING:
    from kraken_cli.client.spot_private import SpotPrivate
    from kraken_cli.models.account import Names
    from kraken_cli.services.account.spot import Window
    from kraken_cli.services.market.spot import MarketService


OtpOption = Annotated[
    str | None,
    typer.Option("--otp", envvar="KRX_OTP", help="One-time password, if the key has 2FA."),
]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="Most rows to fetch (50/page).")]
SinceOption = Annotated[str | None, typer.Option("--since", help="From T (ISO, unix, or 7d).")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Up to T (inclusive).")]

account_app = typer.Typer(
    name="account",
    help="Balances, orders, trades, ledger and positions (spot, margin or futures key).",
    no_args_is_help=True,
)


@contextmanager
def private_api(ctx: typer.Context, otp: str | None) -> Iterator[SpotPrivate]:
    """Yield the signed spot client for this invocation; close it afterwards."""
    from kraken_cli.services.account.spot import open_private

    log = debug_log(ctx)
    api = open_private(get_settings(ctx), otp=otp, debug_log=log)
    try:
        yield api
    finally:
        api.close()


@contextmanager
def market_for(ctx: typer.Context) -> Iterator[MarketService]:
    """Yield the public market service (symbols, ticker, status) for this invocation."""
    from kraken_cli.services.market.spot import MarketService

    log = debug_log(ctx)
    service = MarketService.from_settings(get_settings(ctx), debug_log=log)
    try:
        yield service
    finally:
        service.close()


def names_for(ctx: typer.Context) -> Names:
    """Return asset/pair name mapping from the symbol cache; raw Kraken names if unavailable."""
    from kraken_cli.services.account.spot import load_names

    return load_names(get_settings(ctx), debug_log(ctx))


def _window(since: str | None, until: str | None, limit: int) -> Window:
    from kraken_cli.services.account.spot import window

    return window(since, until, limit)


@account_app.command()
def balance(ctx: typer.Context, market: MarketOption = None, otp: OtpOption = None) -> None:
    """Show balances: balance, hold (open orders) and available = balance - hold.

    --market futures lists each futures account's currencies (flex collateral, cash).

    \b
    Examples:
      krx account balance --format csv
      krx account balance --market futures
    """
    from kraken_cli.services.account.spot import AccountService

    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.account import futures as fa

        with futures_session(ctx) as fc:
            emit(fa.balances(fc), (*BALANCE_COLUMNS, "account"), ctx=ctx)
        return

    names = names_for(ctx)
    with private_api(ctx, otp) as api:
        rows = AccountService(api, names).balances()
    emit([b.to_record() for b in rows], BALANCE_COLUMNS, ctx=ctx)


@account_app.command("trade-balance")
def trade_balance(
    ctx: typer.Context,
    asset: Annotated[str, typer.Option("--asset", help="Valuation asset.")] = "ZUSD",
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """Show the margin summary (equity, free margin, margin level) in one asset.

    --market margin shows every TradeBalance figure (equity, margin used, unrealized P&L,
    free margin, margin level); --market futures one row per futures margin account.

    \b
    Examples:
      krx account trade-balance --asset ZEUR
      krx account trade-balance --market margin
      krx account trade-balance --market futures
    """
    from kraken_cli.services.account.spot import AccountService

    chosen = pick_market(ctx, market)
    if chosen == FUTURES:
        from kraken_cli.services.account import futures as fa

        with futures_session(ctx) as fc:
            emit(fa.margin_summary(fc), ctx=ctx)
        return
    if chosen == MARGIN:
        from kraken_cli.services.account import margin

        names = names_for(ctx)
        with private_api(ctx, otp) as api:
            emit([margin.trade_balance(api, asset, names)], ctx=ctx)
        return
    names = names_for(ctx)
    with private_api(ctx, otp) as api:
        record = AccountService(api, names).trade_balance(asset)
    emit([record], ctx=ctx)


@account_app.command()
def orders(
    ctx: typer.Context,
    cl_ord_id: Annotated[str | None, typer.Option("--cl-ord-id", help="Only this id.")] = None,
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """List open orders.

    \b
    Examples:
      krx account orders --format jsonl
      krx account orders --market futures
    """
    from kraken_cli.services.account.spot import AccountService

    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.account import futures as fa

        with futures_session(ctx) as fc:
            open_ = fa.open_orders(fc, cl_ord_id)
        emit(open_, ORDER_COLUMNS, ctx=ctx)
        return

    names = names_for(ctx)
    with private_api(ctx, otp) as api:
        rows = AccountService(api, names).open_orders(cl_ord_id)
    emit([o.to_record() for o in rows], ORDER_COLUMNS, ctx=ctx)


@account_app.command("closed-orders")
def closed_orders(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = 50,
    otp: OtpOption = None,
) -> None:
    """List closed and cancelled orders, newest first (paged 50 at a time).

    Example: krx account closed-orders --since 7d --limit 200
    """
    from kraken_cli.services.account.spot import AccountService

    names = names_for(ctx)
    with private_api(ctx, otp) as api:
        rows = AccountService(api, names).closed_orders(_window(since, until, limit))
    emit([o.to_record() for o in rows], ORDER_COLUMNS, ctx=ctx)


@account_app.command()
def trades(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = 50,
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """List the account's own fills, newest first (paged; each page costs 2 on the counter).

    --market futures lists the futures fills (the most recent 100 Kraken keeps per call).

    \b
    Examples:
      krx account trades --since 30d --format csv
      krx account trades --market futures --limit 10
    """
    from kraken_cli.services.account.spot import AccountService

    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.account import futures as fa

        with futures_session(ctx) as fc:
            fills = fa.fills(fc, limit=limit)
        emit(fills, (*TRADE_COLUMNS, "cl_ord_id", "fill_type"), ctx=ctx)
        return

    names = names_for(ctx)
    with private_api(ctx, otp) as api:
        rows = AccountService(api, names).trades(_window(since, until, limit))
    emit([t.to_record() for t in rows], TRADE_COLUMNS, ctx=ctx)


@account_app.command()
def ledger(
    ctx: typer.Context,
    asset: Annotated[str | None, typer.Option("--asset", help="Comma list of assets.")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="trade, deposit, ...")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = 50,
    otp: OtpOption = None,
) -> None:
    """List ledger entries, newest first (paged; each page costs 2 on the counter).

    Example: krx account ledger --asset XBT --type trade --limit 100
    """
    from kraken_cli.services.account.spot import AccountService

    names = names_for(ctx)
    with private_api(ctx, otp) as api:
        rows = AccountService(api, names).ledger(_window(since, until, limit), asset, kind)
    emit([e.to_record() for e in rows], LEDGER_COLUMNS, ctx=ctx)


@account_app.command()
def positions(
    ctx: typer.Context,
    market: MarketOption = None,
    consolidate: Annotated[
        bool, typer.Option("--consolidate", help="Margin: one row per market (consolidated).")
    ] = False,
    otp: OtpOption = None,
) -> None:
    """List open margin positions (spot margin, or futures with --market futures).

    --market margin shows each position with its unrealised P&L (pnl) and current value
    (OpenPositions with docalcs); --consolidate folds them into one row per market.

    \b
    Examples:
      krx account positions --market margin
      krx account positions --market margin --consolidate
      krx account positions --market futures
    """
    from kraken_cli.services.account.spot import AccountService

    chosen = pick_market(ctx, market)
    if chosen == FUTURES:
        from kraken_cli.services.account import futures as fa

        with futures_session(ctx) as fc:
            emit(fa.positions(fc), ctx=ctx)
        return
    names = names_for(ctx)
    if chosen == MARGIN or consolidate:
        from kraken_cli.services.account import margin

        with private_api(ctx, otp) as api:
            emit(margin.positions(api, consolidate=consolidate, names=names), ctx=ctx)
        return

    with private_api(ctx, otp) as api:
        rows = AccountService(api, names).positions()
    emit([p.to_record() for p in rows], ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add ``krx account ...`` to ``app``."""
    app.add_typer(account_app)
