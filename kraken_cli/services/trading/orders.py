"""Order placement as every front end does it: segment option rules, one key lock, recovery."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kraken_cli.errors import KrxError, UsageError
from kraken_cli.models.segment import Market

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.models.account import Names
    from kraken_cli.models.symbols import Pair
    from kraken_cli.services.trading.spot import OrderRequest, PlacedOrder


def check_market_options(
    market: Market,
    *,
    leverage: str | None = None,
    post_only: bool = False,
    price2: str | None = None,
    trigger_price: str | None = None,
    trigger_signal: str | None = None,
) -> None:
    """Refuse options the chosen segment does not have (before anything is sent)."""
    if market == Market.FUTURES:
        if leverage or post_only or price2:
            raise UsageError(
                "--leverage, --post-only and --price2 are spot options",
                hint="futures: --type post for maker-only; leverage is set per contract on "
                "Kraken Futures",
            )
        return
    if trigger_price or trigger_signal:
        raise UsageError(
            "--trigger-price/--trigger-signal are futures options",
            hint="spot stop orders take the trigger in --price (and the limit in --price2)",
        )
    if market == Market.MARGIN and not leverage:
        raise UsageError(
            "a margin order needs --leverage",
            hint="e.g. --leverage 2 (see `krx symbols --market margin` for each pair's "
            "max_leverage)",
        )


def check_cancel_all(market: Market, symbol: str | None) -> None:
    """Refuse a contract filter on spot cancel-all (Kraken cancels every spot order)."""
    if symbol and market != Market.FUTURES:
        raise UsageError("--symbol is a futures option of cancel-all", hint="add --market futures")


def place_spot(
    settings: Settings,
    pair: Pair,
    req: OrderRequest,
    *,
    names: Names,
    otp: str | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> PlacedOrder:
    """Send AddOrder once under the key's lock; after a lost reply, find it by cl_ord_id."""
    from kraken_cli.services.account.spot import open_private
    from kraken_cli.services.trading.spot import TradingService

    # After a lost reply the look-up gets a more patient timeout than the order had.
    patient = max(30.0, 3 * settings.krx.timeout_s)
    api = open_private(settings, otp=otp, debug_log=debug_log)
    try:
        service = TradingService(
            api, names, recovery=lambda: open_private(settings, otp=otp, timeout_s=patient)
        )
        try:
            return service.place(pair, req)
        except KrxError as exc:
            if req.leverage:
                from kraken_cli.services.account.margin import explain

                raise explain(exc) from exc
            raise
    finally:
        api.close()
