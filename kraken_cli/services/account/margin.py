"""Spot margin: open positions with unrealised P&L, trade balance, margin error explanations.

Built on the private engineer's ``SpotPrivate.call(method, data, *, idempotent)``; any object
with that method works (tests pass a fake).

https://docs.kraken.com/api/docs/rest-api/get-open-positions
https://docs.kraken.com/api/docs/rest-api/get-trade-balance
"""

from __future__ import annotations

from typing import Any, Protocol

from kraken_cli.errors import KrxError
from kraken_cli.models.account import Names
from kraken_cli.models.account_spot import (
    parse_margin_positions,
    parse_market_positions,
    parse_trade_balance,
)
from kraken_cli.models.margin import MarginMarketPosition, MarginPosition, TradeBalance


class PrivateCaller(Protocol):
    """What margin needs from ``kraken_cli.client.spot_private.SpotPrivate``."""

    def call(self, method: str, data: dict[str, str], *, idempotent: bool) -> Any: ...


#: Margin error strings -> what they mean and what to do.
MARGIN_HINTS = {
    "EOrder:Insufficient margin": (
        "not enough free margin for this order (it needs cost / leverage): check "
        "`krx account trade-balance` (free_margin), lower the size or raise the leverage; "
        "Kraken also says this when its margin pool for the market is exhausted (try later)"
    ),
    "EOrder:Margin level too low": (
        "your margin level (equity / used margin) would drop under the minimum; add "
        "collateral, close positions or lower the size (`krx account trade-balance`)"
    ),
    "EOrder:Margin allowance exceeded": (
        "the order exceeds your margin borrowing limit for your verification tier"
    ),
    "EOrder:Margin position size exceeded": "the position would exceed the maximum size",
    "EOrder:Insufficient funds": (
        "not enough free collateral; check `krx account trade-balance` (free_margin)"
    ),
    "EOrder:Cannot open position": "margin trading is not allowed for this account or pair",
    "EOrder:Cannot open opposing position": "close the opposing position first",
    "EOrder:Positions limit exceeded": "too many open positions; close some first",
    "EOrder:Unknown position": "no such position id (`krx account positions`)",
    "EOrder:Reduce only": "reduce-only orders need an open position they reduce",
    "EGeneral:Invalid arguments:leverage": (
        "this pair does not offer that leverage for this side; see `krx symbols --market "
        "margin` (max_leverage)"
    ),
}


def margin_hint(error: KrxError | str) -> str | None:
    """Return the explanation for a margin error (a KrxError or Kraken's string)."""
    texts = [error] if isinstance(error, str) else (error.kraken or [error.message])
    for text in texts:
        body = text.removeprefix("Kraken: ")
        for prefix, hint in MARGIN_HINTS.items():
            if body.startswith(prefix):
                return hint
    return None


def explain(error: KrxError) -> KrxError:
    """Attach the margin explanation to ``error`` as its hint (when it is a margin error)."""
    hint = margin_hint(error)
    if hint:
        error.hint = hint
    return error


def positions(
    private: PrivateCaller, *, consolidate: bool = False, names: Names | None = None
) -> list[MarginPosition] | list[MarginMarketPosition]:
    """Return open margin positions with unrealised P&L (``docalcs``), or one row per market.

    ``names`` maps Kraken's pair keys (``XXBTZUSD``) to ``BASE/QUOTE`` (``BTC/USD``).
    """
    names = names or Names()
    data = {"docalcs": "true"}
    if consolidate:
        data["consolidation"] = "market"
    try:
        result = private.call("OpenPositions", data, idempotent=True)
    except KrxError as exc:
        raise explain(exc) from None
    if consolidate:  # consolidation=market answers an array
        return parse_market_positions(result, names)
    return parse_margin_positions(result, names)


def trade_balance(
    private: PrivateCaller, asset: str = "ZUSD", names: Names | None = None
) -> TradeBalance:
    """Return the trade balance record: equity, margin used, free margin, margin level."""
    result = private.call("TradeBalance", {"asset": asset}, idempotent=True)
    return parse_trade_balance(result, (names or Names()).asset(asset), margin=True)
