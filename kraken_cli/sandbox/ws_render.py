"""Render WS v2 data objects (numbers as exact :class:`Raw` text, like Kraken's wire).

https://docs.kraken.com/api/docs/websocket-v2/ticker
"""

from __future__ import annotations

from decimal import Decimal

from kraken_cli.sandbox.accounts import LedgerEntry
from kraken_cli.sandbox.book import Book
from kraken_cli.sandbox.market import ASSETS, Pair
from kraken_cli.sandbox.ohlc import Candle, Stats, vwap_text
from kraken_cli.sandbox.orders import Fill, Order
from kraken_cli.sandbox.tape import Trade
from kraken_cli.sandbox.wire import NS, Raw, dec_text, rfc3339_ns, rfc3339_us, units_text


def _p(pair: Pair, units: int) -> Raw:
    return Raw(units_text(units, pair.pair_decimals))


def _q(pair: Pair, units: int) -> Raw:
    return Raw(units_text(units, pair.lot_decimals))


def trade_json(pair: Pair, trade: Trade) -> dict[str, object]:
    """One ``trade`` element. https://docs.kraken.com/api/docs/websocket-v2/trade"""
    return {
        "symbol": pair.symbol,
        "side": "buy" if trade.side == "b" else "sell",
        "price": _p(pair, trade.price),
        "qty": _q(pair, trade.volume),
        "ord_type": "market" if trade.otype == "m" else "limit",
        "trade_id": trade.trade_id,
        "timestamp": rfc3339_us(trade.ns),
    }


def ticker_json(pair: Pair, book: Book, day: Stats, now_ns: int) -> dict[str, object]:
    """One ``ticker`` element (24h window). https://docs.kraken.com/api/docs/websocket-v2/ticker"""
    bid, ask = book.top("b", 1)[0], book.top("a", 1)[0]
    change = day.last - day.open
    pct = Decimal(change) / Decimal(day.open) * 100 if day.open else Decimal(0)
    vwap = Decimal(day.pv) / Decimal(day.volume) if day.volume else Decimal(day.last)
    return {
        "symbol": pair.symbol,
        "bid": _p(pair, bid[0]),
        "bid_qty": _q(pair, bid[1]),
        "ask": _p(pair, ask[0]),
        "ask_qty": _q(pair, ask[1]),
        "last": _p(pair, day.last),
        "volume": _q(pair, day.volume),
        "vwap": Raw(vwap_text(vwap, pair.pair_decimals)),
        "low": _p(pair, day.low),
        "high": _p(pair, day.high),
        "change": _p(pair, change),
        "change_pct": Raw(dec_text(pct, 2)),
        "trades": day.count,
        "timestamp": rfc3339_us(now_ns),
    }


def ohlc_json(pair: Pair, candle: Candle, interval: int) -> dict[str, object]:
    """One ``ohlc`` candle. https://docs.kraken.com/api/docs/websocket-v2/ohlc"""
    return {
        "symbol": pair.symbol,
        "open": _p(pair, candle.open),
        "high": _p(pair, candle.high),
        "low": _p(pair, candle.low),
        "close": _p(pair, candle.close),
        "trades": candle.count,
        "volume": _q(pair, candle.volume),
        "vwap": Raw(vwap_text(candle.vwap_units(), pair.pair_decimals)),
        "interval_begin": rfc3339_ns(candle.open_ns),
        "interval": interval,
        "timestamp": rfc3339_us(candle.open_ns + interval * 60 * NS),
    }


def _order_base(order: Order, exec_type: str, status: str, now_ns: int) -> dict[str, object]:
    out: dict[str, object] = {"order_id": order.txid}
    if order.cl_ord_id:
        out["cl_ord_id"] = order.cl_ord_id
    out["order_userref"] = order.userref
    out["exec_type"] = exec_type
    out["order_status"] = status
    out["timestamp"] = rfc3339_us(now_ns)
    return out


def execution_json(
    exec_type: str, order: Order, fill: Fill | None, now_ns: int
) -> dict[str, object]:
    """One ``executions`` report. https://docs.kraken.com/api/docs/websocket-v2/executions"""
    pair = order.pair
    partially = "partially_filled" if order.vol_exec else "new"
    if exec_type == "trade" and fill is not None:
        avg = order.cost / (Decimal(order.vol_exec) / 10**pair.lot_decimals)
        out = _order_base(
            order, "trade", "filled" if order.remaining <= 0 else partially, fill.time_ns
        )
        out.update(
            {
                "exec_id": fill.id,
                "trade_id": fill.trade_id,
                "symbol": pair.symbol,
                "side": order.side,
                "last_qty": _q(pair, fill.volume),
                "last_price": _p(pair, fill.price),
                "liquidity_ind": "m" if fill.maker else "t",
                "cost": Raw(dec_text(fill.cost, pair.cost_decimals)),
                "order_type": order.ordertype,
                "cum_qty": _q(pair, order.vol_exec),
                "cum_cost": Raw(dec_text(order.cost, pair.cost_decimals)),
                "avg_price": Raw(dec_text(avg, pair.pair_decimals)),
                "fee_usd_equiv": Raw(dec_text(fill.fee, 4)),
                "fees": [{"asset": ASSETS[pair.quote].v2, "qty": Raw(dec_text(fill.fee, 4))}],
            }
        )
        return out
    if exec_type == "new":
        # Kraken's "new" acknowledgement is short; the details came with "pending_new"
        return _order_base(order, "new", "new", now_ns)
    if exec_type in ("pending_new", "snapshot"):
        pending = exec_type == "pending_new"
        out = _order_base(
            order,
            "pending_new" if pending else "new",
            "pending_new" if pending else partially,
            now_ns if pending else order.opentm_ns,
        )
        out.update(
            {
                "symbol": pair.symbol,
                "order_qty": _q(pair, order.volume),
                "cum_cost": Raw(dec_text(order.cost, pair.cost_decimals)),
                "time_in_force": order.timeinforce,
                "side": order.side,
                "order_type": order.ordertype,
                "limit_price_type": "static",
                "limit_price": _p(pair, order.limit_price or order.price or 0),
                "stop_price": _p(
                    pair, order.price if order.limit_price != order.price and order.price else 0
                ),
                "fee_usd_equiv": Raw(dec_text(order.fee, 4)),
                "fee_ccy_pref": "fcib" if "fcib" in order.oflags else "fciq",
                "post_only": order.post_only,
                "reduce_only": order.reduce_only,
            }
        )
        return out
    if exec_type == "amended":
        out = _order_base(order, "amended", partially, now_ns)
        out.update(
            {
                "order_qty": _q(pair, order.volume),
                "limit_price": _p(pair, order.limit_price or order.price or 0),
                "amended": True,
            }
        )
        return out
    status = "canceled" if exec_type == "canceled" else "filled"
    out = _order_base(order, exec_type, status, now_ns)
    if order.reason and exec_type == "canceled":
        out["reason"] = order.reason
    return out


def balance_snapshot(balances: dict[str, Decimal]) -> list[dict[str, object]]:
    """The ``balances`` snapshot. https://docs.kraken.com/api/docs/websocket-v2/balances"""
    out: list[dict[str, object]] = []
    for asset_id, value in balances.items():
        asset = ASSETS[asset_id]
        amount = Raw(dec_text(value, asset.decimals))
        out.append(
            {
                "asset": asset.v2,
                "asset_class": "currency",
                "balance": amount,
                "wallets": [{"type": "spot", "id": "main", "balance": amount}],
            }
        )
    return out


def ledger_update(entry: LedgerEntry) -> dict[str, object]:
    """One ``balances`` update built from a ledger entry."""
    asset = ASSETS[entry.asset]
    return {
        "ledger_id": entry.id,
        "ref_id": entry.refid,
        "timestamp": rfc3339_us(entry.time_ns),
        "type": entry.type,
        "asset": asset.v2,
        "asset_class": "currency",
        "category": entry.type,
        "wallet_type": "spot",
        "wallet_id": "main",
        "amount": Raw(dec_text(entry.amount, asset.decimals)),
        "fee": Raw(dec_text(entry.fee, asset.decimals)),
        "balance": Raw(dec_text(entry.balance, asset.decimals)),
    }
