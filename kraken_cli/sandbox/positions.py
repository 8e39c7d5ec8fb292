"""Margin positions: opened by leveraged fills and netted by opposite ones, as Kraken does.

A leveraged fill first closes open positions of the pair on the other side, oldest first (their
``vol_closed`` grows and the realised P&L is settled to the quote balance); only what is left
opens a new position, and a ``reduce_only`` order never opens one. So a long and a short of one
pair are never open together, and consolidated positions are one row per pair.
https://docs.kraken.com/api/docs/rest-api/get-open-positions
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kraken_cli.sandbox.market import Pair
from kraken_cli.sandbox.orders import Order, vol_text
from kraken_cli.sandbox.wire import NS, dec_text, time4

#: Minimum margin level (percent) a new position may leave the account at.
OPEN_MARGIN_LEVEL = Decimal(150)


@dataclass(frozen=True)
class MarginState:
    """The account's margin figures in USD (TradeBalance's ``eb tb m n c v e mf ml``)."""

    equivalent: Decimal
    collateral: Decimal
    used: Decimal
    pnl: Decimal
    cost: Decimal
    value: Decimal

    @property
    def equity(self) -> Decimal:
        """Collateral plus unrealised P&L."""
        return self.collateral + self.pnl

    @property
    def free(self) -> Decimal:
        """Equity not tied up as margin."""
        return self.equity - self.used

    def level(self, extra: Decimal = Decimal(0)) -> Decimal | None:
        """Margin level in percent with ``extra`` more margin used (None without margin)."""
        used = self.used + extra
        return self.equity / used * 100 if used else None


@dataclass
class Position:
    """One open (or partly closed) margin position; ``id`` is its opening trade's txid."""

    id: str
    order: Order
    time_ns: int
    price: int
    volume: int
    cost: Decimal
    fee: Decimal
    vol_closed: int = 0

    @property
    def pair(self) -> Pair:
        """The position's pair."""
        return self.order.pair

    @property
    def side(self) -> str:
        """``buy`` (long) or ``sell`` (short)."""
        return self.order.side

    @property
    def leverage(self) -> int:
        """The opening order's leverage."""
        return self.order.leverage or 1

    @property
    def open_volume(self) -> int:
        """Volume still open (lot units)."""
        return self.volume - self.vol_closed

    @property
    def open_cost(self) -> Decimal:
        """Cost basis of the open volume (quote currency)."""
        return self.cost * self.open_volume / self.volume

    @property
    def sign(self) -> int:
        """+1 for a long, -1 for a short."""
        return 1 if self.side == "buy" else -1

    def value(self, last_price: int) -> Decimal:
        """Value of the open volume at ``last_price`` (price units)."""
        units = Decimal(self.open_volume) * last_price
        return units.scaleb(-(self.pair.lot_decimals + self.pair.pair_decimals))


class Positions:
    """The account's margin positions."""

    def __init__(self) -> None:
        self.rows: list[Position] = []

    def open_rows(self) -> list[Position]:
        """Positions with volume still open, oldest first."""
        return [p for p in self.rows if p.open_volume > 0]

    def opposing_volume(self, pair: Pair, side: str) -> int:
        """Open volume an order on ``side`` of ``pair`` would close."""
        return sum(p.open_volume for p in self.open_rows() if p.pair is pair and p.side != side)

    def net(self, pair: Pair, side: str, price: int, qty: int) -> tuple[int, Decimal]:
        """Close opposing positions (oldest first) with ``qty``; return (qty left, realised P&L)."""
        pnl = Decimal(0)
        for position in self.open_rows():
            if qty <= 0:
                break
            if position.pair is not pair or position.side == side:
                continue
            closed = min(qty, position.open_volume)
            move = Decimal(price - position.price) * closed * position.sign
            pnl += move.scaleb(-(pair.lot_decimals + pair.pair_decimals))
            position.vol_closed += closed
            qty -= closed
        return qty, pnl


def _signed(value: Decimal, places: int) -> str:
    return ("+" if value >= 0 else "") + dec_text(value, places)


def position_json(position: Position, value: Decimal) -> dict[str, object]:
    """Render one OpenPositions entry (``value``: its open volume's current value)."""
    pair = position.pair
    places = pair.cost_decimals
    net = (value - position.open_cost) * position.sign - position.fee
    return {
        "ordertxid": position.order.txid,
        "posstatus": "open",
        "pair": pair.key,
        "time": time4(position.time_ns),
        "type": position.side,
        "ordertype": position.order.ordertype,
        "cost": dec_text(position.cost, places),
        "fee": dec_text(position.fee, places),
        "vol": vol_text(pair, position.volume),
        "vol_closed": vol_text(pair, position.vol_closed),
        "margin": dec_text(position.cost / position.leverage, places),
        "value": dec_text(value, pair.pair_decimals),
        "net": _signed(net, 4),
        "terms": "0.0100% per 4 hours",
        "rollovertm": str(position.time_ns // NS + 4 * 3600),
        "misc": "",
        "oflags": "",
    }


def consolidated_json(rows: list[tuple[Position, Decimal]]) -> list[dict[str, object]]:
    """Render ``consolidation=market``: one row per pair with its real (cost/margin) leverage."""
    groups: dict[str, list[tuple[Position, Decimal]]] = {}
    for position, value in rows:
        groups.setdefault(position.pair.key, []).append((position, value))
    out: list[dict[str, object]] = []
    for key, group in groups.items():
        cost = sum((p.open_cost for p, _ in group), Decimal(0))
        margin = sum((p.open_cost / p.leverage for p, _ in group), Decimal(0))
        value = sum((v for _, v in group), Decimal(0))
        fee = sum((p.fee for p, _ in group), Decimal(0))
        first = group[0][0]
        decimals = 8  # the live consolidated sample renders every figure with 8 places
        out.append(
            {
                "pair": key,
                "positions": str(len(group)),
                "type": first.side,
                "leverage": dec_text(cost / margin, decimals),
                "cost": dec_text(cost, decimals),
                "fee": dec_text(fee, decimals),
                "vol": dec_text(
                    Decimal(sum(p.open_volume for p, _ in group)).scaleb(-first.pair.lot_decimals),
                    decimals,
                ),
                "vol_closed": dec_text(Decimal(0), decimals),
                "margin": dec_text(margin, decimals),
                "value": dec_text(value, decimals),
                "net": dec_text((value - cost) * first.sign, decimals),
            }
        )
    return out
