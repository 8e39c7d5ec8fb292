"""Spot private REST (``POST /0/private/<Method>``): authentication chain and account reads.

Checks run in PROTOCOL §9's order: key, signature over the exact body bytes, nonce, permission,
call counter, then the endpoint itself. Form-encoded and JSON bodies are both accepted.
https://docs.kraken.com/api/docs/guides/spot-rest-auth
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from urllib.parse import parse_qsl

from kraken_cli.protocol.signing import spot_signature
from kraken_cli.sandbox import trading
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.market import ASSETS, asset_id, rest_pair
from kraken_cli.sandbox.matching import MAKER_FEE, TAKER_FEE
from kraken_cli.sandbox.orders import Order, fill_json, order_json
from kraken_cli.sandbox.positions import consolidated_json, position_json
from kraken_cli.sandbox.ratelimit import REST_COST
from kraken_cli.sandbox.rest_public import ApiError
from kraken_cli.sandbox.trading import truthy
from kraken_cli.sandbox.wire import NS, dec_text, time4

Params = Mapping[str, str]
PAGE = 50
TRADING_METHODS = (
    "AddOrder",
    "AmendOrder",
    "EditOrder",
    "CancelOrder",
    "CancelAll",
    "CancelAllOrdersAfter",
)


def parse_body(body: bytes, content_type: str) -> dict[str, str]:
    """Decode a form or JSON body into string parameters."""
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            raise ApiError("EGeneral:Invalid arguments") from None
        if not isinstance(data, dict):
            raise ApiError("EGeneral:Invalid arguments")
        out: dict[str, str] = {}
        for key, value in data.items():
            if isinstance(value, bool):
                out[key] = "true" if value else "false"
            elif isinstance(value, list):
                out[key] = ",".join(str(v) for v in value)
            else:
                out[key] = str(value)
        return out
    return dict(parse_qsl(text, keep_blank_values=True))


def _fmt_asset(asset: str, value: Decimal) -> str:
    return dec_text(value, ASSETS[asset].decimals)


def balance(sb: Sandbox, params: Params) -> object:
    """Balances. https://docs.kraken.com/api/docs/rest-api/get-account-balance"""
    return {a: _fmt_asset(a, v) for a, v in sb.account.balances.items()}


def balance_ex(sb: Sandbox, params: Params) -> object:
    """Extended balances. https://docs.kraken.com/api/docs/rest-api/get-extended-balance"""
    holds = sb.exchange.holds()
    return {
        a: {"balance": _fmt_asset(a, v), "hold_trade": _fmt_asset(a, holds.get(a, Decimal(0)))}
        for a, v in sb.account.balances.items()
    }


def trade_balance(sb: Sandbox, params: Params) -> object:
    """Trade balance in any asset (rules: sandbox.matching). https://docs.kraken.com/api/docs/rest-api/get-trade-balance"""
    asset = asset_id(params.get("asset") or "ZUSD")
    usd_per_unit = None if asset is None else sb.exchange.usd_price(asset)
    if asset is None or not usd_per_unit:
        raise ApiError("EQuery:Unknown asset")
    places = ASSETS[asset].decimals if asset in ASSETS and asset != "ZUSD" else 4
    state = sb.exchange.margin_state()
    fields = {
        "eb": state.equivalent,
        "tb": state.collateral,
        "m": state.used,
        "n": state.pnl,
        "c": state.cost,
        "v": state.value,
        "e": state.equity,
        "mf": state.free,
    }
    out = {k: dec_text(v / usd_per_unit, places) for k, v in fields.items()}
    level = state.level()
    out["ml"] = dec_text(level, 2) if level is not None else "0.00"
    return out


def open_orders(sb: Sandbox, params: Params) -> object:
    """Open orders. https://docs.kraken.com/api/docs/rest-api/get-open-orders"""
    with_trades = truthy(params.get("trades"))
    rows = _by_client_ref(sb.exchange.open_orders(), params)
    return {"open": {o.txid: order_json(o, with_trades, listing=True) for o in rows}}


def _by_client_ref(rows: list[Order], params: Params) -> list[Order]:
    # OpenOrders and ClosedOrders both filter on cl_ord_id and userref before paging.
    if params.get("cl_ord_id"):
        rows = [o for o in rows if o.cl_ord_id == params["cl_ord_id"]]
    if params.get("userref"):
        rows = [o for o in rows if str(o.userref) == params["userref"]]
    return rows


def _ofs(params: Params) -> int:
    try:
        return max(0, int(params.get("ofs") or 0))
    except ValueError:
        raise ApiError("EGeneral:Invalid arguments:ofs") from None


def _window(params: Params, time_ns: int) -> bool:
    start, end = params.get("start"), params.get("end")
    if start and start.replace(".", "").isdigit() and time_ns <= Decimal(start) * NS:
        return False
    return not (end and end.replace(".", "").isdigit() and time_ns > Decimal(end) * NS)


def closed_orders(sb: Sandbox, params: Params) -> object:
    """Closed orders, 50 per page. https://docs.kraken.com/api/docs/rest-api/get-closed-orders"""
    rows = [o for o in sb.exchange.closed_orders() if _window(params, o.closetm_ns or 0)]
    rows = _by_client_ref(rows, params)
    ofs = _ofs(params)
    page = rows[ofs : ofs + PAGE]
    with_trades = truthy(params.get("trades"))
    return {"closed": {o.txid: order_json(o, with_trades) for o in page}, "count": len(rows)}


def query_orders(sb: Sandbox, params: Params) -> object:
    """Orders by id. https://docs.kraken.com/api/docs/rest-api/get-orders-info"""
    ids = [t for t in params.get("txid", "").split(",") if t]
    if not ids or len(ids) > 50:
        raise ApiError("EGeneral:Invalid arguments:txid")
    out: dict[str, object] = {}
    for txid in ids:
        order = sb.exchange.orders.get(txid)
        if order is None:
            raise ApiError("EOrder:Invalid order")
        out[txid] = order_json(order, truthy(params.get("trades")))
    return out


def trades_history(sb: Sandbox, params: Params) -> object:
    """Own trades, 50 per page. https://docs.kraken.com/api/docs/rest-api/get-trade-history"""
    rows = [f for f in reversed(sb.exchange.fills) if _window(params, f.time_ns)]
    ofs = _ofs(params)
    with_ledgers = truthy(params.get("ledgers"))
    page = {f.id: fill_json(f, with_ledgers) for f in rows[ofs : ofs + PAGE]}
    return {"trades": page, "count": len(rows)}


def _ledger_json(sb: Sandbox, entry: object) -> dict[str, object]:
    from kraken_cli.sandbox.accounts import LedgerEntry

    assert isinstance(entry, LedgerEntry)
    decimals = ASSETS[entry.asset].decimals
    return {
        "refid": entry.refid,
        "time": time4(entry.time_ns),
        "type": entry.type,
        "subtype": entry.subtype,
        "aclass": "currency",
        "asset": entry.asset,
        "amount": dec_text(entry.amount, decimals),
        "fee": dec_text(entry.fee, decimals),
        "balance": dec_text(entry.balance, decimals),
    }


def ledgers(sb: Sandbox, params: Params) -> object:
    """Ledger entries, 50 per page. https://docs.kraken.com/api/docs/rest-api/get-ledgers"""
    assets = {a for a in params.get("asset", "").split(",") if a and a != "all"}
    kind = params.get("type", "all")
    rows = [
        e
        for e in reversed(sb.account.ledger)
        if (not assets or e.asset in assets or ASSETS[e.asset].altname in assets)
        and kind in ("all", e.type)
        and _window(params, e.time_ns)
    ]
    ofs = _ofs(params)
    return {
        "ledger": {e.id: _ledger_json(sb, e) for e in rows[ofs : ofs + PAGE]},
        "count": len(rows),
    }


def query_ledgers(sb: Sandbox, params: Params) -> object:
    """Ledger entries by id. https://docs.kraken.com/api/docs/rest-api/get-ledgers-info"""
    ids = set(params.get("id", "").split(","))
    return {e.id: _ledger_json(sb, e) for e in sb.account.ledger if e.id in ids}


def open_positions(sb: Sandbox, params: Params) -> object:
    """Margin positions (netted). https://docs.kraken.com/api/docs/rest-api/get-open-positions"""
    rows = [(p, sb.exchange.position_value(p)) for p in sb.exchange.positions.open_rows()]
    if params.get("consolidation") == "market":
        return consolidated_json(rows)
    return {p.id: position_json(p, value) for p, value in rows}


def _fee_tier(fee: Decimal) -> dict[str, str]:
    percent = dec_text(fee * 100, 4)
    return {
        "fee": percent,
        "minfee": "0.1000",
        "maxfee": percent,
        "nextfee": dec_text(fee * 100 - Decimal("0.02"), 4),
        "nextvolume": "50000.0000",
        "tiervolume": "0.0000",
    }


def trade_volume(sb: Sandbox, params: Params) -> object:
    """30-day volume and fee tiers. https://docs.kraken.com/api/docs/rest-api/get-trade-volume"""
    pairs = [rest_pair(name) for name in params.get("pair", "").split(",") if name]
    if any(p is None for p in pairs):
        raise ApiError("EQuery:Unknown asset pair")
    volume = sum(
        (sb.exchange.usd_value(f.order.pair.quote, f.cost) for f in sb.exchange.fills), Decimal(0)
    )
    out: dict[str, object] = {"currency": "ZUSD", "volume": dec_text(volume, 4)}
    if pairs:
        out["fees"] = {p.key: _fee_tier(TAKER_FEE) for p in pairs if p}
        out["fees_maker"] = {p.key: _fee_tier(MAKER_FEE) for p in pairs if p}
    return out


def ws_token(sb: Sandbox, params: Params) -> object:
    """WS token. https://docs.kraken.com/api/docs/rest-api/get-websockets-token"""
    return {"token": sb.account.new_token(sb.now()), "expires": 900}


def api_key_info(sb: Sandbox, params: Params) -> object:
    """Key info (shape of the Kraken.Net fixture). https://docs.kraken.com/api/docs/rest-api/get-api-key-info"""
    started = str(sb.started_ns // NS)
    return {
        "api_key_name": "krx-sandbox",
        "api_key": sb.account.api_key,
        "nonce": str(sb.account.last_nonce),
        "nonce_window": "0",
        "permissions": sorted(sb.permissions()),
        "iban": "AA00 SAND BOX0 0000",
        "valid_until": "0",
        "query_from": "0",
        "query_to": "0",
        "created_time": started,
        "modified_time": started,
        "ip_allowlist": [],
        "last_used": str(sb.now() // NS),
    }


Handler = Callable[[Sandbox, Params], object]
#: method -> (handler, permissions any of which suffices; empty = none needed)
PRIVATE: dict[str, tuple[Handler, tuple[str, ...]]] = {
    "Balance": (balance, ("query-funds",)),
    "BalanceEx": (balance_ex, ("query-funds",)),
    "TradeBalance": (trade_balance, ("query-funds",)),
    "OpenOrders": (open_orders, ("query-open-trades",)),
    "ClosedOrders": (closed_orders, ("query-closed-trades",)),
    "QueryOrders": (query_orders, ("query-open-trades", "query-closed-trades")),
    "TradesHistory": (trades_history, ("query-open-trades", "query-closed-trades")),
    "Ledgers": (ledgers, ("query-ledger",)),
    "QueryLedgers": (query_ledgers, ("query-ledger",)),
    "OpenPositions": (open_positions, ("query-open-trades",)),
    "AddOrder": (trading.add_order, ("modify-trades",)),
    "AmendOrder": (trading.amend_order, ("modify-trades",)),
    "EditOrder": (trading.edit_order, ("modify-trades",)),
    "CancelOrder": (trading.cancel_order, ("cancel-trades",)),
    "CancelAll": (trading.cancel_all, ("cancel-trades",)),
    "CancelAllOrdersAfter": (trading.cancel_all_after, ("cancel-trades",)),
    "TradeVolume": (trade_volume, ("query-funds",)),
    "GetWebSocketsToken": (ws_token, ("create-ws-token",)),
    "GetApiKeyInfo": (api_key_info, ()),
}


def handle_private(
    sb: Sandbox, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> object:
    """Authenticate and run one private call; raise :class:`ApiError` on any failure."""
    entry = PRIVATE.get(method)
    if entry is None:
        raise ApiError("EGeneral:Unknown method")
    handler, needs = entry
    key = headers.get("api-key", "")
    # compare bytes: compare_digest refuses non-ASCII str, and headers may carry anything
    if not key or not hmac.compare_digest(key.strip().encode(), sb.account.api_key.encode()):
        raise ApiError("EAPI:Invalid key")
    params = parse_body(body, headers.get("content-type", ""))
    nonce_text = params.get("nonce", "")
    expected = spot_signature(
        sb.account.api_secret, path, nonce_text, body.decode("utf-8", errors="replace")
    )
    if not hmac.compare_digest(headers.get("api-sign", "").strip().encode(), expected.encode()):
        raise ApiError("EAPI:Invalid signature")
    if not nonce_text.isdigit() or not sb.account.check_nonce(int(nonce_text)):
        raise ApiError("EAPI:Invalid nonce")
    if needs and not sb.permissions().intersection(needs):
        raise ApiError("EGeneral:Permission denied")
    if not sb.account.counter.try_add(REST_COST.get(method, 1)):
        raise ApiError("EAPI:Rate limit exceeded")
    # ground truth for tests: authenticated calls that reached the handler, per method
    sb.calls[method] += 1
    check_market_state(sb, method, params)
    return handler(sb, params)


def check_market_state(sb: Sandbox, method: str, params: Params) -> None:
    """Refuse trading calls the engine state forbids (SystemStatus / the WS status channel)."""
    state = sb.faults.system_status
    if state == "online" or method not in TRADING_METHODS:
        return
    if state == "maintenance":
        raise ApiError("EService:Unavailable")
    placing = method in ("AddOrder", "EditOrder", "AmendOrder")
    if state == "cancel_only" and placing:
        raise ApiError("EService:Market in cancel_only mode")
    post = params.get("ordertype") == "limit" and "post" in params.get("oflags", "")
    if state == "post_only" and method == "AddOrder" and not post:
        raise ApiError("EService:Market in post_only mode")
    if state == "limit_only" and method == "AddOrder" and params.get("ordertype") == "market":
        raise ApiError("EService:Market in limit_only mode")
