"""``krx order ...``: add, amend, cancel and cancel-all orders of any segment, checked first.

Each command parses its options, calls the trading service of ``--market``
(``services.trading.open_trading``) and renders its records; the only question it asks is the
one the service composes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from kraken_cli.cli.account_cmd import OtpOption
from kraken_cli.cli.common import emit, get_settings, info, stdin_is_terminal
from kraken_cli.cli.complete import complete_symbol
from kraken_cli.cli.markets import MarketOption, debug_log, pick_market
from kraken_cli.errors import UsageError

if TYPE_CHECKING:
    from kraken_cli.models.trading import Placement
    from kraken_cli.services.trading import Trading

order_app = typer.Typer(
    name="order",
    help="Place, amend and cancel orders: spot, margin (--leverage) or futures (--market).",
    no_args_is_help=True,
)

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
TypeOption = Annotated[
    str,
    typer.Option(
        "--type",
        help="market | limit | stop-loss | take-profit | stop-loss-limit | take-profit-limit",
    ),
]
PriceOption = Annotated[
    str | None, typer.Option("--price", help="Limit price, or trigger for stop types.")
]
Price2Option = Annotated[str | None, typer.Option("--price2", help="Limit price of *-limit types.")]
PostOnlyOption = Annotated[bool, typer.Option("--post-only", help="Maker only.")]
ReduceOnlyOption = Annotated[bool, typer.Option("--reduce-only", help="Only reduce.")]
LeverageOption = Annotated[
    str | None, typer.Option("--leverage", help="Margin leverage, e.g. 2 (spot margin).")
]
TriggerPriceOption = Annotated[
    str | None, typer.Option("--trigger-price", help="Futures: stop/take-profit trigger price.")
]
TriggerSignalOption = Annotated[
    str | None, typer.Option("--trigger-signal", help="Futures: mark | index | last.")
]
ClOrdIdOption = Annotated[
    str | None, typer.Option("--cl-ord-id", help="Client order id (default: a UUID).")
]
ValidateOption = Annotated[
    bool, typer.Option("--validate", help="Let Kraken validate only; nothing is placed.")
]


def confirm(question: str | None, yes: bool) -> None:
    """Ask on a terminal; refuse without one unless ``--yes`` was given (None: nothing to ask)."""
    if yes or question is None:
        return
    if not stdin_is_terminal():
        raise UsageError(
            "refusing to act without confirmation: no terminal to ask on",
            hint="add --yes to confirm non-interactively",
        )
    if not typer.confirm(question, default=False, err=True):
        raise UsageError("not confirmed; nothing was sent")


@contextmanager
def trading_for(ctx: typer.Context, market: str | None, otp: str | None) -> Iterator[Trading]:
    """Yield the trading service of the invocation's segment; close it afterwards."""
    from kraken_cli.services.trading import open_trading

    chosen = pick_market(ctx, market)
    with open_trading(get_settings(ctx), chosen, otp=otp, debug_log=debug_log(ctx)) as trading:
        yield trading


@order_app.command()
def add(
    ctx: typer.Context,
    symbol: Annotated[
        str,
        typer.Argument(
            help="Pair, e.g. BTCUSD, BTC/USD, XXBTZUSD.", autocompletion=complete_symbol
        ),
    ],
    side: Annotated[str, typer.Argument(help="buy or sell.")],
    volume: Annotated[str, typer.Argument(help="Volume in the base asset.")],
    order_type: TypeOption = "limit",
    price: PriceOption = None,
    price2: Price2Option = None,
    post_only: PostOnlyOption = False,
    reduce_only: ReduceOnlyOption = False,
    leverage: LeverageOption = None,
    trigger_price: TriggerPriceOption = None,
    trigger_signal: TriggerSignalOption = None,
    cl_ord_id: ClOrdIdOption = None,
    validate: ValidateOption = False,
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
    from kraken_cli.models.trading import OrderRequest

    request = OrderRequest(
        side, volume, order_type, price, price2, post_only, reduce_only, leverage, cl_ord_id,
        validate, symbol, trigger_price, trigger_signal,
    )  # fmt: skip
    with trading_for(ctx, market, otp) as trading:
        ticket = trading.prepare(request)
        if ticket.estimate is not None:
            info(f"order: {ticket.estimate.describe()}")
        confirm(ticket.question, yes)
        _render(ctx, trading.place(ticket))


def _render(ctx: typer.Context, placed: Placement) -> None:
    if placed.note:
        info(placed.note)
    emit([placed.record.to_record()], ctx=ctx)


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
    from kraken_cli.models.trading import AmendRequest

    request = AmendRequest(order_id, volume, price, trigger_price, post_only, symbol)
    with trading_for(ctx, market, otp) as trading:
        emit([trading.amend(request).to_record()], ctx=ctx)


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
    with trading_for(ctx, market, otp) as trading:
        emit([row.to_record() for row in trading.cancel(order_ids)], ctx=ctx)


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
    with trading_for(ctx, market, otp) as trading:
        confirm(trading.cancel_all_question(symbol), yes)
        emit([trading.cancel_all(symbol).to_record()], ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add ``krx order ...`` to ``app``."""
    app.add_typer(order_app)
