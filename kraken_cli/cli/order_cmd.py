"""``krx order ...``: add, amend, cancel and cancel-all spot orders, checked before sending."""

from __future__ import annotations

from typing import Annotated

import typer

from kraken_cli.cli.account_cmd import OtpOption, market_for, names_for, private_api
from kraken_cli.cli.common import emit, info, stdin_is_terminal
from kraken_cli.errors import UsageError

order_app = typer.Typer(
    name="order",
    help="Place, amend and cancel spot orders (checked against the pair's rules first).",
    no_args_is_help=True,
)

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def confirm(question: str, yes: bool) -> None:
    """Ask on a terminal; refuse without one unless ``--yes`` was given."""
    if yes:
        return
    if not stdin_is_terminal():
        raise UsageError(
            "refusing to act without confirmation: no terminal to ask on",
            hint="add --yes to confirm non-interactively",
        )
    if not typer.confirm(question, default=False, err=True):
        raise UsageError("not confirmed; nothing was sent")


@order_app.command()
def add(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Pair, e.g. BTCUSD, BTC/USD, XXBTZUSD.")],
    side: Annotated[str, typer.Argument(help="buy or sell.")],
    volume: Annotated[str, typer.Argument(help="Volume in the base asset.")],
    order_type: Annotated[
        str,
        typer.Option(
            "--type",
            help="market | limit | stop-loss | take-profit | stop-loss-limit | take-profit-limit",
        ),
    ] = "limit",
    price: Annotated[
        str | None, typer.Option("--price", help="Limit price, or trigger for stop types.")
    ] = None,
    price2: Annotated[
        str | None, typer.Option("--price2", help="Limit price of *-limit types.")
    ] = None,
    post_only: Annotated[bool, typer.Option("--post-only", help="Maker only.")] = False,
    reduce_only: Annotated[bool, typer.Option("--reduce-only", help="Only reduce.")] = False,
    leverage: Annotated[str | None, typer.Option("--leverage", help="e.g. 2 (margin).")] = None,
    cl_ord_id: Annotated[
        str | None, typer.Option("--cl-ord-id", help="Client order id (default: a UUID).")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Let Kraken validate only; nothing is placed.")
    ] = False,
    yes: YesOption = False,
    otp: OtpOption = None,
) -> None:
    """Place an order once; after a timeout, find it by its client id instead of re-sending.

    Example: krx order add BTCUSD buy 0.001 --type limit --price 50000 --yes
    """
    from kraken_cli.services.trading import OrderRequest, TradingService, check_order

    req = OrderRequest(
        side=side.lower(),
        volume=volume,
        type=order_type.lower(),
        price=price,
        price2=price2,
        post_only=post_only,
        reduce_only=reduce_only,
        leverage=leverage,
        cl_ord_id=cl_ord_id,
        validate=validate,
    )
    with market_for(ctx) as market:
        pair = market.resolver.resolve(symbol)
    check_order(pair, req)
    if not validate:
        at = f" @ {price}" if price else ""
        confirm(f"Place {req.type} {req.side} {volume} {pair.symbol}{at}?", yes)
    from kraken_cli.cli.account_cmd import settings_for
    from kraken_cli.services.account import open_private

    names = names_for(ctx)
    settings = settings_for(ctx)
    # After a lost reply the look-up gets a more patient timeout than the order had.
    patient = max(30.0, 3 * settings.krx.timeout_s)
    with private_api(ctx, otp) as api:
        service = TradingService(
            api, names, recovery=lambda: open_private(settings, otp=otp, timeout_s=patient)
        )
        placed = service.place(pair, req)
    if placed.status == "placed-after-timeout":
        info(
            f"the reply was lost, but Kraken has the order (found by cl_ord_id {placed.cl_ord_id})"
        )
    emit([placed.to_record()], ctx=ctx)


@order_app.command()
def amend(
    ctx: typer.Context,
    order_id: Annotated[str, typer.Argument(help="Order id (OXXXXX-...) or client order id.")],
    volume: Annotated[str | None, typer.Option("--volume", help="New total volume.")] = None,
    price: Annotated[str | None, typer.Option("--price", help="New limit price.")] = None,
    trigger_price: Annotated[
        str | None, typer.Option("--trigger-price", help="New trigger price.")
    ] = None,
    post_only: Annotated[bool, typer.Option("--post-only", help="Reject if it would take.")] = (
        False
    ),
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="The order's pair, to check tick/lot first.")
    ] = None,
    otp: OtpOption = None,
) -> None:
    """Amend an order in place, keeping its id (and queue priority where possible).

    Example: krx order amend OUF4EM-FRGI2-MQMWZD --price 50100
    """
    from kraken_cli.services.trading import TradingService

    pair = None
    if symbol:
        with market_for(ctx) as market:
            pair = market.resolver.resolve(symbol)
    with private_api(ctx, otp) as api:
        result = TradingService(api).amend(
            order_id,
            volume=volume,
            price=price,
            trigger_price=trigger_price,
            post_only=post_only,
            pair=pair,
        )
    emit([result], ctx=ctx)


@order_app.command()
def cancel(
    ctx: typer.Context,
    order_ids: Annotated[list[str], typer.Argument(help="Order ids or client order ids.")],
    otp: OtpOption = None,
) -> None:
    """Cancel one or more orders.

    Example: krx order cancel OUF4EM-FRGI2-MQMWZD OB5VMB-B4U2U-DK2WRW
    """
    from kraken_cli.services.trading import TradingService

    with private_api(ctx, otp) as api:
        rows = TradingService(api).cancel(order_ids)
    emit(rows, ctx=ctx)


@order_app.command("cancel-all")
def cancel_all(ctx: typer.Context, yes: YesOption = False, otp: OtpOption = None) -> None:
    """Cancel every open order of the key (asks first, like `order add`).

    Example: krx order cancel-all --yes
    """
    from kraken_cli.services.trading import TradingService

    confirm("Cancel ALL open orders?", yes)
    with private_api(ctx, otp) as api:
        count = TradingService(api).cancel_all()
    emit([{"cancelled": count}], ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add ``krx order ...`` to ``app``."""
    app.add_typer(order_app)
