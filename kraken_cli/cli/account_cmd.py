"""``krx account ...``: balances, orders, trades, ledger and positions of any segment's key.

Each command parses its options, calls one method of the account service of ``--market``
(``services.account.open_account``) and renders the records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli.common import emit, get_settings, get_state, info
from kraken_cli.cli.markets import MarketOption, debug_log, pick_market
from kraken_cli.errors import UsageError
from kraken_cli.models.segment import Market
from kraken_cli.output import columns

if TYPE_CHECKING:
    from kraken_cli.models.account import Record
    from kraken_cli.services.account import Account

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
def account_for(
    ctx: typer.Context, market: Market | str | None, otp: str | None
) -> Iterator[Account]:
    """Yield the account service of the invocation's segment; close it afterwards."""
    from kraken_cli.services.account import open_account

    chosen = market if isinstance(market, Market) else pick_market(ctx, market)
    with open_account(get_settings(ctx), chosen, otp=otp, debug_log=debug_log(ctx)) as account:
        yield account


def _emit(ctx: typer.Context, rows: Sequence[Record], kind: str | None = None) -> None:
    """Render account records; ``kind`` (a record KIND) picks their columns and table view."""
    spec = columns.ACCOUNT.get(kind or "")
    view = columns.ACCOUNT_VIEW.get(kind or "")
    emit([row.to_record() for row in rows], spec, view=view, ctx=ctx)


@account_app.command()
def balance(
    ctx: typer.Context,
    in_quote: Annotated[
        str | None,
        typer.Option("--in", help="Value each asset in this currency (e.g. USD) with a total."),
    ] = None,
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """Show balances: balance, hold (open orders) and available = balance - hold.

    --in USD values each balance at the last price of its pair with USD (one public Ticker
    request), exactly, with the total; assets without a direct pair are named, not guessed.
    --market futures lists each futures account's currencies (flex collateral, cash).

    \b
    Examples:
      krx account balance --format csv
      krx account balance --in USD
      krx account balance --market futures
    """
    if in_quote is not None:
        _valued(ctx, in_quote, market, otp)
        return
    with account_for(ctx, market, otp) as account:
        _emit(ctx, account.balances(), account.records.balance.KIND)


def _valued(ctx: typer.Context, quote: str, market: str | None, otp: str | None) -> None:
    from kraken_cli.cli.markets import SPOT, market_data
    from kraken_cli.services.account.valuation import valued_balances

    chosen = pick_market(ctx, market)
    if chosen.uses_futures_api:
        raise UsageError(
            "--in values spot balances", hint="futures balances carry value_usd already"
        )
    with account_for(ctx, chosen, otp) as account, market_data(ctx, SPOT) as md:
        valued = valued_balances(account, md, quote)
    summary = f"total {valued.total} {valued.quote}"
    if valued.unvalued:
        summary += f"; not valued (no {valued.quote} pair): {', '.join(valued.unvalued)}"
    if get_state(ctx).format != "table":
        info(summary)
    rows = [row.to_record() for row in valued.rows]
    emit(rows, columns.VALUED_BALANCE, title=summary, view=columns.VALUED_VIEW, ctx=ctx)


@account_app.command()
def fees(
    ctx: typer.Context,
    symbols: Annotated[
        list[str] | None, typer.Argument(help="Pairs, e.g. BTCUSD ETHUSD (default BTC/USD).")
    ] = None,
    otp: OtpOption = None,
) -> None:
    """Show the key's fee tier: taker and maker fee (percent), 30-day volume, next tier.

    From TradeVolume (needs the Query Funds permission).

    \b
    Examples:
      krx account fees
      krx account fees BTCUSD ETHEUR
    """
    from kraken_cli.cli.markets import SPOT, market_data
    from kraken_cli.services.account.valuation import fee_tiers

    with account_for(ctx, Market.SPOT, otp) as account, market_data(ctx, SPOT) as md:
        tiers = fee_tiers(account, md, symbols or [])
    _emit(ctx, tiers, "fee_tier")


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
    with account_for(ctx, market, otp) as account:
        _emit(ctx, account.trade_balance(asset))


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
    with account_for(ctx, market, otp) as account:
        _emit(ctx, account.open_orders(cl_ord_id), account.records.order.KIND)


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
    from kraken_cli.services.account import Window

    window = Window.parse(since, until, limit)
    with account_for(ctx, Market.SPOT, otp) as account:
        _emit(ctx, account.closed_orders(window), account.records.order.KIND)


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
    from kraken_cli.services.account import Window

    window = Window.parse(since, until, limit)
    with account_for(ctx, market, otp) as account:
        _emit(ctx, account.trades(window), account.records.fill.KIND)


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
    from kraken_cli.services.account import Window

    window = Window.parse(since, until, limit)
    with account_for(ctx, Market.SPOT, otp) as account:
        _emit(ctx, account.ledger(window, asset, kind), "ledger")


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
    with account_for(ctx, market, otp) as account:
        _emit(ctx, account.positions(consolidate))


def register(app: typer.Typer) -> None:
    """Add ``krx account ...`` to ``app``."""
    app.add_typer(account_app)
