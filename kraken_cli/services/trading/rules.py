"""Order input rules every segment shares, checked before anything touches the network.

Numbers must be finite and positive; ids printable ASCII (a control character in an id would
reach Kraken and the terminal); options of another segment are refused, not ignored.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from kraken_cli.errors import UsageError
from kraken_cli.models.reply import MAX_MAGNITUDE
from kraken_cli.models.segment import Market
from kraken_cli.models.trading import AmendRequest, OrderRequest

#: Longest client order id accepted (a UUID is 36; Kraken Futures allows up to 100).
MAX_ID_LEN = {Market.SPOT: 36, Market.MARGIN: 36, Market.FUTURES: 100}


def parse_decimal(text: str, what: str) -> Decimal:
    """Parse a user decimal exactly, or raise UsageError naming the argument."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(f"{what} {text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"{what} must be a positive number, got {text!r}")
    if value >= MAX_MAGNITUDE:
        raise UsageError(f"{what} {text!r} is beyond any real amount")
    return value


def is_relative(text: str) -> bool:
    """Whether a price is relative to the market (``+5``, ``-1%``, ``#2``): Kraken checks it."""
    return text.startswith(("+", "-", "#")) or text.endswith("%")


def check_price_text(text: str | None, what: str) -> None:
    """Check a price: relative, or a finite positive number."""
    if text is not None and not is_relative(text.strip()):
        parse_decimal(text, what)


def new_cl_ord_id() -> str:
    """Return a fresh client order id (a UUID, the form both Kraken APIs accept)."""
    return str(uuid.uuid4())


def check_id(text: str, what: str, max_len: int = 100) -> str:
    """Return an order id or client order id that is 1..max_len printable ASCII characters."""
    if not 0 < len(text) <= max_len or not all("!" <= ch <= "~" for ch in text):
        raise UsageError(
            f"{what} {text[:40]!r} is not an id",
            hint=f"ids are 1 to {max_len} printable ASCII characters without spaces",
        )
    return text


def _refuse(options: str, hint: str) -> UsageError:
    return UsageError(options, hint=hint)


def check_segment_options(req: OrderRequest, market: Market) -> None:
    """Refuse options of another segment; a margin order needs a leverage."""
    if market is Market.FUTURES:
        if req.leverage or req.post_only or req.price2:
            raise _refuse(
                "--leverage, --post-only and --price2 are spot options",
                "futures: --type post for maker-only; leverage is set per contract on "
                "Kraken Futures",
            )
        return
    if req.trigger_price or req.trigger_signal:
        raise _refuse(
            "--trigger-price/--trigger-signal are futures options",
            "spot stop orders take the trigger in --price (and the limit in --price2)",
        )
    if market is Market.MARGIN and not req.leverage:
        raise _refuse(
            "a margin order needs --leverage",
            "e.g. --leverage 2 (see `krx symbols --market margin` for each pair's max_leverage)",
        )


def check_request(req: OrderRequest, market: Market) -> OrderRequest:
    """Return the request normalised (side/type lower case) once its inputs are sane."""
    req = replace(req, side=req.side.lower(), type=req.type.lower())
    check_segment_options(req, market)
    if req.side not in ("buy", "sell"):
        raise UsageError(f"side must be buy or sell, got {req.side!r}")
    parse_decimal(req.volume, "volume")
    check_price_text(req.price, "price")
    check_price_text(req.price2, "price2")
    check_price_text(req.trigger_price, "trigger price")
    if req.leverage is not None:
        parse_decimal(req.leverage, "leverage")
    if req.cl_ord_id is not None:
        check_id(req.cl_ord_id, "--cl-ord-id", MAX_ID_LEN[market])
    return req


def check_amend(req: AmendRequest) -> AmendRequest:
    """Check an amend's id and numbers; at least one figure must change."""
    check_id(req.order_id, "order id")
    if req.volume is None and req.price is None and req.trigger_price is None:
        raise UsageError("nothing to amend", hint="give --volume, --price or --trigger-price")
    if req.volume is not None:
        parse_decimal(req.volume, "volume")
    check_price_text(req.price, "price")
    check_price_text(req.trigger_price, "trigger price")
    return req
