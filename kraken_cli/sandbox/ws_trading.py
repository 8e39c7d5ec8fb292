"""WS v2 trading requests on ``/auth/v2``: add_order, amend_order, cancel_order, cancel_all.

Requests are translated into the REST handlers' parameters, so validation, funds, rate limits
and engine-state refusals are identical on both protocols (Kraken shares one engine).
Details of the v2 trading schema are partly UNCONFIRMED (PROTOCOL §6.4).
https://docs.kraken.com/api/docs/websocket-v2/add_order
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kraken_cli.sandbox import trading
from kraken_cli.sandbox.market import ws_pair
from kraken_cli.sandbox.rest_private import check_market_state
from kraken_cli.sandbox.rest_public import ApiError
from kraken_cli.sandbox.ws_link import WRONG_HOST_PUBLIC, Link

METHODS = {
    "add_order": ("AddOrder", "modify-trades"),
    "amend_order": ("AmendOrder", "modify-trades"),
    "cancel_order": ("CancelOrder", "cancel-trades"),
    "cancel_all": ("CancelAll", "cancel-trades"),
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | float):
        return format(Decimal(str(value)), "f")
    return str(value)


def _price(value: Any, price_type: Any, trailing: bool) -> str:
    """A v2 price as AddOrder's text: ``static`` as is, ``quote``/``pct`` as a relative offset."""
    if price_type not in ("quote", "pct") and not trailing:
        return _text(value)
    amount = Decimal(str(value))
    sign = "+" if amount >= 0 or trailing else "-"
    return f"{sign}{_text(abs(amount))}{'%' if price_type == 'pct' else ''}"


def add_order_params(params: dict[str, Any]) -> dict[str, str]:
    """Translate v2 ``add_order`` params into AddOrder's REST parameters."""
    pair = ws_pair(str(params.get("symbol", "")))
    if pair is None:
        raise ApiError("EQuery:Unknown asset pair")
    out = {
        "pair": pair.key,
        "type": _text(params.get("side", "")),
        "ordertype": _text(params.get("order_type", "")),
        "volume": _text(params.get("order_qty", "")),
    }
    triggers = params.get("triggers") if isinstance(params.get("triggers"), dict) else {}
    trailing = out["ordertype"].startswith("trailing-stop")
    limit = params.get("limit_price")
    limit_text = None if limit is None else _price(limit, params.get("limit_price_type"), False)
    if out["ordertype"] in ("limit", "iceberg") and limit_text is not None:
        out["price"] = limit_text
    elif isinstance(triggers, dict) and triggers.get("price") is not None:
        out["price"] = _price(triggers["price"], triggers.get("price_type"), trailing)
        if limit_text is not None:
            out["price2"] = limit_text
    if params.get("display_qty") is not None:
        out["displayvol"] = _text(params["display_qty"])
    if params.get("post_only"):
        out["oflags"] = "post"
    for src, dst in (
        ("time_in_force", "timeinforce"),
        ("cl_ord_id", "cl_ord_id"),
        ("order_userref", "userref"),
        ("reduce_only", "reduce_only"),
        ("validate", "validate"),
    ):
        if params.get(src) is not None:
            out[dst] = _text(params[src])
    return out


async def trade_request(
    conn: Link, method: str, params: dict[str, Any], req_id: object, time_in: str
) -> None:
    """Handle one trading request and answer with Kraken's v2 response envelope."""
    sb = conn.sb
    fail: dict[str, object] = {"method": method, "success": False}
    if not conn.private:
        await conn.reply({"error": WRONG_HOST_PUBLIC, **fail}, req_id, time_in)
        return
    if not sb.account.token_valid(params.get("token"), sb.now()):
        await conn.reply({"error": "ESession:Invalid session", **fail}, req_id, time_in)
        return
    rest_method, permission = METHODS[method]
    try:
        if permission not in sb.permissions():
            raise ApiError("EGeneral:Permission denied")
        if method == "add_order":
            rest = add_order_params(params)
            check_market_state(sb, rest_method, rest)
            placed = trading.add_order(sb, rest)
            txids = placed.get("txid", []) if isinstance(placed, dict) else []
            result: dict[str, object] = {"order_id": txids[0] if txids else ""}
            if params.get("cl_ord_id"):
                result["cl_ord_id"] = params["cl_ord_id"]
            results = [result]
        elif method == "amend_order":
            rest = {k: _text(v) for k, v in params.items() if k != "token"}
            rest.setdefault("txid", rest.pop("order_id", ""))
            check_market_state(sb, rest_method, rest)
            amended = trading.amend_order(sb, rest)
            results = [{"amend_id": amended["amend_id"] if isinstance(amended, dict) else ""}]
        elif method == "cancel_order":
            check_market_state(sb, rest_method, {})
            ids = [*params.get("order_id", []), *params.get("cl_ord_id", [])]
            results = []
            for ref in ids:
                field = "cl_ord_id" if ref in params.get("cl_ord_id", []) else "txid"
                trading.cancel_order(sb, {field: str(ref)})
                results.append({"cl_ord_id" if field == "cl_ord_id" else "order_id": ref})
            if not results:
                raise ApiError("EGeneral:Invalid arguments:order_id")
        else:
            check_market_state(sb, rest_method, {})
            results = [trading.cancel_all(sb, {})]  # type: ignore[list-item]
    except ApiError as exc:
        await conn.reply({"error": str(exc), **fail}, req_id, time_in)
        return
    for result in results:
        await conn.reply({"method": method, "result": result, "success": True}, req_id, time_in)
