"""Parse Kraken's private spot REST results (PROTOCOL §2.5) into account records, strictly.

Each parser takes the unwrapped ``result`` and a :class:`Names` map, and returns records or
raises ``ProtocolError`` naming the endpoint: a malformed amount never becomes a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kraken_cli.models.account import LedgerEntry, Names, SpotBalance, SpotFill, SpotOrder
from kraken_cli.models.margin import (
    TRADE_BALANCE_FIELDS,
    MarginMarketPosition,
    MarginPosition,
    MarginTradeBalance,
    SpotPosition,
    TradeBalance,
)
from kraken_cli.models.reply import Reply


def parse_balance_ex(result: Any, names: Names, endpoint: str = "BalanceEx") -> list[SpotBalance]:
    """Parse ``BalanceEx`` (``{"XXBT": {"balance", "hold_trade"}}``) or plain ``Balance``."""
    reply = Reply(endpoint)
    out = []
    for asset_id, raw in reply.table(result).items():
        if isinstance(raw, Mapping):
            balance = reply.number(raw.get("balance"), f"{asset_id} balance")
            hold = reply.amount(raw.get("hold_trade"), f"{asset_id} hold_trade") or Decimal(0)
        else:  # plain Balance result: "<amount>"
            balance, hold = reply.number(raw, f"{asset_id} balance"), Decimal(0)
        out.append(SpotBalance(names.asset(asset_id), balance, hold, balance - hold, asset_id))
    return sorted(out, key=lambda b: b.asset)


def parse_trade_balance(
    result: Any, asset: str, *, margin: bool = False, endpoint: str = "TradeBalance"
) -> TradeBalance:
    """Parse ``TradeBalance``: Decimals, or (``margin``) the wire text as margin shows it."""
    reply = Reply(endpoint)
    table = reply.table(result)
    read = reply.wire if margin else reply.amount
    figures = {name: read(table.get(short), short) for short, name in TRADE_BALANCE_FIELDS}
    kind = MarginTradeBalance if margin else TradeBalance
    return kind(asset=asset, **figures)


def _limit(reply: Reply, value: Any, what: str) -> Decimal | None:
    # A trailing stop's descr price is relative ("+50.0000%"): no absolute limit to show.
    if isinstance(value, str) and (value.startswith(("+", "#")) or value.endswith("%")):
        return None
    return reply.amount(value, what)


def parse_order(order_id: str, raw: Any, names: Names, reply: Reply) -> SpotOrder:
    """Parse one order object of OpenOrders / ClosedOrders / QueryOrders."""
    raw = reply.table(raw, f"order {order_id}")
    descr = reply.table(raw.get("descr") or {}, f"order {order_id} descr")
    limit = _limit(reply, descr.get("price"), "descr.price")
    avg = reply.amount(raw.get("price"), "price")
    leverage = reply.text(descr.get("leverage"), "descr.leverage")
    return SpotOrder(
        order_id=order_id,
        cl_ord_id=reply.text(raw.get("cl_ord_id"), "cl_ord_id") or None,
        symbol=names.symbol(reply.text(descr.get("pair"), "descr.pair") or ""),
        side=reply.text(descr.get("type"), "descr.type") or "",
        type=reply.text(descr.get("ordertype"), "descr.ordertype") or "",
        # A market order has no limit price ("0"): show what it executed at instead.
        price=limit if limit else avg,
        volume=reply.amount(raw.get("vol"), "vol"),
        filled=reply.amount(raw.get("vol_exec"), "vol_exec"),
        status=reply.text(raw.get("status"), "status") or "",
        opened=reply.unix(raw.get("opentm"), "opentm"),
        closed=reply.unix(raw.get("closetm"), "closetm"),
        avg_price=avg,
        price2=_limit(reply, descr.get("price2"), "descr.price2") or None,
        cost=reply.amount(raw.get("cost"), "cost"),
        fee=reply.amount(raw.get("fee"), "fee"),
        leverage=None if leverage in (None, "none") else leverage,
        oflags=reply.text(raw.get("oflags"), "oflags") or None,
        reason=reply.text(raw.get("reason"), "reason") or None,
        description=reply.text(descr.get("order"), "descr.order") or None,
    )


def parse_orders(table: Any, names: Names, endpoint: str = "OpenOrders") -> list[SpotOrder]:
    """Parse ``{"<txid>": order}`` (the ``open`` / ``closed`` object), keeping Kraken's order."""
    reply = Reply(endpoint)
    return [parse_order(txid, raw, names, reply) for txid, raw in reply.table(table).items()]


def parse_trades(table: Any, names: Names, endpoint: str = "TradesHistory") -> list[SpotFill]:
    """Parse the ``trades`` object of ``TradesHistory``."""
    reply = Reply(endpoint)
    out = []
    for txid, raw in reply.table(table, "trades").items():
        row = reply.table(raw, f"trade {txid}")
        out.append(
            SpotFill(
                trade_id=txid,
                time=reply.unix(row.get("time"), "time"),
                price=reply.amount(row.get("price"), "price"),
                volume=reply.amount(row.get("vol"), "vol"),
                side=reply.text(row.get("type"), "type") or "",
                ord_type=reply.text(row.get("ordertype"), "ordertype") or "",
                symbol=names.symbol(reply.text(row.get("pair"), "pair") or ""),
                order_id=reply.text(row.get("ordertxid"), "ordertxid") or "",
                cost=reply.amount(row.get("cost"), "cost"),
                fee=reply.amount(row.get("fee"), "fee"),
                maker=row.get("maker") if isinstance(row.get("maker"), bool) else None,
            )
        )
    return out


def parse_ledger(table: Any, names: Names, endpoint: str = "Ledgers") -> list[LedgerEntry]:
    """Parse the ``ledger`` object of ``Ledgers``."""
    reply = Reply(endpoint)
    out = []
    for lid, raw in reply.table(table, "ledger").items():
        row = reply.table(raw, f"entry {lid}")
        out.append(
            LedgerEntry(
                ledger_id=lid,
                time=reply.unix(row.get("time"), "time"),
                type=reply.text(row.get("type"), "type") or "",
                subtype=reply.text(row.get("subtype"), "subtype") or "",
                asset=names.asset(reply.text(row.get("asset"), "asset") or ""),
                amount=reply.amount(row.get("amount"), "amount"),
                fee=reply.amount(row.get("fee"), "fee"),
                balance=reply.amount(row.get("balance"), "balance"),
                refid=reply.text(row.get("refid"), "refid") or "",
            )
        )
    return out


def parse_positions(
    result: Any, names: Names, endpoint: str = "OpenPositions"
) -> list[SpotPosition]:
    """Parse an ``OpenPositions`` result keyed by position id (the spot view)."""
    reply = Reply(endpoint)
    out = []
    for pid, raw in reply.table(result).items():
        row = reply.table(raw, f"position {pid}")
        out.append(
            SpotPosition(
                position_id=pid,
                order_id=reply.text(row.get("ordertxid"), "ordertxid") or "",
                symbol=names.symbol(reply.text(row.get("pair"), "pair") or ""),
                side=reply.text(row.get("type"), "type") or "",
                ord_type=reply.text(row.get("ordertype"), "ordertype") or "",
                volume=reply.amount(row.get("vol"), "vol"),
                volume_closed=reply.amount(row.get("vol_closed"), "vol_closed"),
                cost=reply.amount(row.get("cost"), "cost"),
                fee=reply.amount(row.get("fee"), "fee"),
                margin=reply.amount(row.get("margin"), "margin"),
                value=reply.amount(row.get("value"), "value"),
                net=reply.amount(row.get("net"), "net"),
                opened=reply.unix(row.get("time"), "time"),
            )
        )
    return out


def _pair(reply: Reply, raw: Mapping[str, Any], names: Names) -> str | None:
    pair = reply.text(raw.get("pair"), "pair")
    return names.symbol(pair) if pair is not None else None


def _margin_figures(reply: Reply, raw: Mapping[str, Any]) -> dict[str, str | None]:
    keys = ("vol", "vol_closed", "cost", "fee", "margin", "value", "net")
    names = ("volume", "volume_closed", "cost", "fee", "margin", "value", "pnl")
    return {name: reply.wire(raw.get(key), key) for key, name in zip(keys, names, strict=True)}


def parse_margin_positions(
    result: Any, names: Names, endpoint: str = "OpenPositions"
) -> list[MarginPosition]:
    """Parse ``OpenPositions`` (docalcs) into margin positions with unrealised P&L."""
    reply = Reply(endpoint)
    out = []
    for pid, raw in sorted(reply.table(result).items()):
        row = reply.table(raw, f"position {pid}")
        out.append(
            MarginPosition(
                position_id=pid,
                symbol=_pair(reply, row, names),
                side=reply.text(row.get("type"), "type"),
                **_margin_figures(reply, row),
                opened=reply.unix(row.get("time"), "time"),
                order_id=reply.text(row.get("ordertxid"), "ordertxid"),
                status=reply.text(row.get("posstatus"), "posstatus"),
                type=reply.text(row.get("ordertype"), "ordertype"),
                terms=reply.text(row.get("terms"), "terms"),
                rollover=reply.unix(row.get("rollovertm"), "rollovertm"),
            )
        )
    return out


def parse_market_positions(
    result: Any, names: Names, endpoint: str = "OpenPositions"
) -> list[MarginMarketPosition]:
    """Parse ``OpenPositions`` with ``consolidation=market`` (a list, one row per market)."""
    reply = Reply(endpoint)
    return [
        MarginMarketPosition(
            symbol=_pair(reply, row, names),
            side=reply.text(row.get("type"), "type"),
            positions=reply.text(row.get("positions"), "positions"),
            leverage=reply.text(row.get("leverage"), "leverage"),
            **_margin_figures(reply, row),
        )
        for row in reply.entries(result, "result")
    ]
