"""``krx order ...``: add, amend, cancel and cancel-all spot orders, checked before sending."""

from __future__ import annotations

from typing import Annotated

import typer

from kraken_cli.cli.account_cmd import OtpOption, market_for, names_for, private_api
from kraken_cli.cli.common import emit, get_settings, info, stdin_is_terminal
from kraken_cli.cli.markets import (
    FUTURES,
    MarketOption,
    debug_log,
    futures_session,
    pick_market,
)
from kraken_cli.errors import UsageError

order_app = typer.Typer(
    name="order",
    help="Place, amend and cancel orders: spot, margin (--leverage) or futures (--market).",
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
    leverage: Annotated[
        str | None, typer.Option("--leverage", help="Margin leverage, e.g. 2 (spot margin).")
    ] = None,
    trigger_price: Annotated[
        str | None,
        typer.Option("--trigger-price", help="Futures: stop/take-profit trigger price."),
    ] = None,
    trigger_signal: Annotated[
        str | None, typer.Option("--trigger-signal", help="Futures: mark | index | last.")
    ] = None,
    cl_ord_id: Annotated[
        str | None, typer.Option("--cl-ord-id", help="Client order id (default: a UUID).")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Let Kraken validate only; nothing is placed.")
    ] = False,
    yes: YesOption = False,
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """Place an order once; after a timeout, find it by its client id instead of re-sending.

    --market margin needs --leverage (and explains margin rejections); --market futures
    places a Kraken Futures order (VOLUME in contracts; types limit, market, post, ioc,
    stop, take-profit; --reduce-only; --validate checks locally, nothing is sent).

    \b
    Examples:
      krx order add BTCUSD buy 0.001 --type limit --price 50000 --yes
      krx order add BTCUSD buy 0.01 --type market --market margin --leverage 2 --yes
      krx order add PF_XBTUSD buy 0.01 --price 50000 --market futures --yes
    """
    from kraken_cli.services.trading.orders import check_market_options, place_spot
    from kraken_cli.services.trading.spot import OrderRequest, check_order

    chosen = pick_market(ctx, market)
    check_market_options(
        chosen,
        leverage=leverage,
        post_only=post_only,
        price2=price2,
        trigger_price=trigger_price,
        trigger_signal=trigger_signal,
    )
    if chosen == FUTURES:
        _futures_add(
            ctx,
            symbol,
            side.lower(),
            volume,
            order_type=order_type.lower(),
            price=price,
            trigger_price=trigger_price,
            trigger_signal=trigger_signal,
            reduce_only=reduce_only,
            cl_ord_id=cl_ord_id,
            validate=validate,
            yes=yes,
        )
        return
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
    with market_for(ctx) as market_svc:
        pair = market_svc.resolver.resolve(symbol)
    check_order(pair, req)
    if not validate:
        at = f" @ {price}" if price else ""
        confirm(f"Place {req.type} {req.side} {volume} {pair.symbol}{at}?", yes)
    placed = place_spot(
        get_settings(ctx), pair, req, names=names_for(ctx), otp=otp, debug_log=debug_log(ctx)
    )
    if placed.status == "placed-after-timeout":
        info(
            f"the reply was lost, but Kraken has the order (found by cl_ord_id {placed.cl_ord_id})"
        )
    emit([placed.to_record()], ctx=ctx)


def _futures_add(
    ctx: typer.Context,
    symbol: str,
    side: str,
    size: str,
    *,
    order_type: str,
    price: str | None,
    trigger_price: str | None,
    trigger_signal: str | None,
    reduce_only: bool,
    cl_ord_id: str | None,
    validate: bool,
    yes: bool,
) -> None:
    from kraken_cli.services.market.futures import resolve
    from kraken_cli.services.trading import futures as ft

    with futures_session(ctx) as fc:
        if not validate:
            name = resolve(fc, symbol).symbol
            summary = ft.order_summary(name, side, size, order_type, price or trigger_price)
            confirm(f"Place {summary}?", yes)
        record = ft.add_order(
            fc,
            symbol,
            side,
            size,
            order_type=order_type,
            price=price,
            stop_price=trigger_price,
            trigger_signal=trigger_signal,
            reduce_only=reduce_only,
            cl_ord_id=cl_ord_id,
            validate=validate,
        )
    if record.get("note"):
        info(str(record.pop("note")))
    emit([record], ctx=ctx)


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
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """Amend an order in place, keeping its id (and queue priority where possible).

    --market futures edits a futures order (order id or cliOrdId): --volume is the new size.

    \b
    Examples:
      krx order amend OUF4EM-FRGI2-MQMWZD --price 50100
      krx order amend 0b8e3c1e-5a0e-4c8c-9d1c-1d5c1e0f7a2b --price 50100 --market futures
    """
    from kraken_cli.services.trading.spot import TradingService

    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.trading import futures as ft

        with futures_session(ctx) as fc:
            row = ft.edit_order(fc, order_id, size=volume, price=price, stop_price=trigger_price)
        emit([row], ctx=ctx)
        return

    pair = None
    if symbol:
        with market_for(ctx) as market_svc:
            pair = market_svc.resolver.resolve(symbol)
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
    market: MarketOption = None,
    otp: OtpOption = None,
) -> None:
    """Cancel one or more orders.

    \b
    Examples:
      krx order cancel OUF4EM-FRGI2-MQMWZD OB5VMB-B4U2U-DK2WRW
      krx order cancel my-client-id --market futures
    """
    from kraken_cli.services.trading.spot import TradingService

    if pick_market(ctx, market) == FUTURES:
        from kraken_cli.services.trading import futures as ft

        with futures_session(ctx) as fc:
            frows = ft.cancel_orders(fc, order_ids)
        emit(frows, ctx=ctx)
        return

    with private_api(ctx, otp) as api:
        rows = TradingService(api).cancel(order_ids)
    emit(rows, ctx=ctx)


@order_app.command("cancel-all")
def cancel_all(
    ctx: typer.Context,
    yes: YesOption = False,
    market: MarketOption = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="Futures: only this contract's orders.")
    ] = None,
    otp: OtpOption = None,
) -> None:
    """Cancel every open order of the key (asks first, like `order add`).

    \b
    Examples:
      krx order cancel-all --yes
      krx order cancel-all --market futures --symbol PF_XBTUSD --yes
    """
    from kraken_cli.services.trading.orders import check_cancel_all
    from kraken_cli.services.trading.spot import TradingService

    chosen = pick_market(ctx, market)
    check_cancel_all(chosen, symbol)
    if chosen == FUTURES:
        from kraken_cli.services.trading import futures as ft

        confirm(f"Cancel ALL open futures orders{' of ' + symbol if symbol else ''}?", yes)
        with futures_session(ctx) as fc:
            emit([ft.cancel_all(fc, symbol)], ctx=ctx)
        return
    confirm("Cancel ALL open orders?", yes)
    with private_api(ctx, otp) as api:
        count = TradingService(api).cancel_all()
    emit([{"cancelled": count}], ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add ``krx order ...`` to ``app``."""
    app.add_typer(order_app)
