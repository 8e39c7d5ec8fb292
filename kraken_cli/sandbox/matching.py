"""The sandbox's matching engine: validate, place, fill, trigger, amend and cancel orders.

Market orders and the crossing part of limit orders take liquidity from the simulated book
(the book changes are published to WS subscribers). Resting limit orders fill as maker, at their
limit, once the public tape trades through their price; stop/take-profit orders trigger on the
tape's last price. The account's own fills do not enter the public tape (which stays a pure
function of the seed).

Margin rules (simple, not Kraken's exact risk engine; README "Margin"):
- collateral ``tb`` = every balance valued in USD at the tapes' last prices (USDT at par) times
  the asset's ``collateral_value``; unrealised P&L ``n`` = sum over positions of
  (value - cost) * side; equity ``e = tb + n``; used margin ``m`` = sum of cost / leverage over
  positions; free margin ``mf = e - m``; margin level ``ml = e / m * 100``.
- a leveraged order needs ``cost / leverage`` (cost at its limit, or walked through the book
  for market orders) of free margin, else ``EOrder:Insufficient margin``; if it fits but would
  leave the margin level under ``OPEN_MARGIN_LEVEL`` (150%): ``EOrder:Margin level too low``.
- reduce-only orders need an opposing position (checked in ``trading.build_order``, which caps
  their volume at it) and no margin. Leveraged fills net against opposing positions first
  (``sandbox.positions``); the realised P&L is settled to the quote balance.
https://docs.kraken.com/api/docs/rest-api/add-order
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kraken_cli.sandbox.accounts import Account
from kraken_cli.sandbox.book import Book
from kraken_cli.sandbox.market import ASSETS, PAIRS, REFERENCE_FIAT_USD, Pair
from kraken_cli.sandbox.orders import IMMEDIATE_TYPES, Fill, Order
from kraken_cli.sandbox.positions import OPEN_MARGIN_LEVEL, MarginState, Position, Positions
from kraken_cli.sandbox.tape import Tape
from kraken_cli.sandbox.triggers import fires, resting_fill, trail
from kraken_cli.sandbox.wire import NS

TAKER_FEE = Decimal("0.0026")
MAKER_FEE = Decimal("0.0016")


class OrderRejected(Exception):
    """A Kraken error string for the request (``EOrder:...``, ``EGeneral:...``)."""


class Exchange:
    """Order state of the account against the books and tapes."""

    def __init__(
        self,
        account: Account,
        books: dict[str, Book],
        tapes: dict[str, Tape],
        now: Callable[[], int],
        on_book_change: Callable[[str], None],
    ) -> None:
        self.account = account
        self.books = books
        self.tapes = tapes
        self.now = now
        self.on_book_change = on_book_change
        self.orders: dict[str, Order] = {}
        self.fills: list[Fill] = []
        self.log: list[dict[str, object]] = []
        self.dead_man_ns: int | None = None
        self.positions = Positions()
        self._trade_seq = 900_000_000

    # -- queries ----------------------------------------------------------------------------
    def open_orders(self) -> list[Order]:
        """Return open orders, newest first."""
        rows = [o for o in self.orders.values() if o.status in ("open", "pending")]
        return sorted(rows, key=lambda o: o.opentm_ns, reverse=True)

    def closed_orders(self) -> list[Order]:
        """Return closed/canceled orders, newest first."""
        rows = [o for o in self.orders.values() if o.status not in ("open", "pending")]
        return sorted(rows, key=lambda o: o.closetm_ns or 0, reverse=True)

    def find(self, ref: str) -> list[Order]:
        """Find orders by txid, cl_ord_id or userref (an integer)."""
        if ref in self.orders:
            return [self.orders[ref]]
        found = [o for o in self.open_orders() if o.cl_ord_id == ref]
        if not found and ref.lstrip("-").isdigit():
            found = [o for o in self.open_orders() if o.userref == int(ref)]
        return found

    def holds(self) -> dict[str, Decimal]:
        """Return funds held by open spot orders per asset."""
        held: dict[str, Decimal] = {}
        for order in self.open_orders():
            if order.leverage:
                continue
            pair = order.pair
            vol = Decimal(order.remaining) / 10**pair.lot_decimals
            if order.side == "sell":
                held[pair.base] = held.get(pair.base, Decimal(0)) + vol
            else:
                price = order.limit_price or order.price or 0
                cost = vol * Decimal(price) / 10**pair.pair_decimals * (1 + TAKER_FEE)
                held[pair.quote] = held.get(pair.quote, Decimal(0)) + cost
        return held

    def available(self, asset: str) -> Decimal:
        """Return balance minus holds."""
        return self.account.balances.get(asset, Decimal(0)) - self.holds().get(asset, Decimal(0))

    def last_price(self, pair: Pair) -> int:
        """Return the tape's last price in units."""
        return self.tapes[pair.key].price_units(self.now())

    def usd_value(self, asset: str, amount: Decimal) -> Decimal:
        """Value an amount in USD at the tapes' last prices (USDT at par, 0 if unpriced)."""
        return amount * self.usd_price(asset)

    def usd_price(self, asset: str) -> Decimal:
        """USD per unit of ``asset``: last trade, par for USDT, a fixed rate for other fiat."""
        if asset in ("ZUSD", "USDT"):
            return Decimal(1)
        if asset in REFERENCE_FIAT_USD:
            return REFERENCE_FIAT_USD[asset]
        for pair in PAIRS.values():
            if pair.base == asset and pair.quote == "ZUSD" and pair.key in self.tapes:
                return Decimal(self.last_price(pair)).scaleb(-pair.pair_decimals)
        return Decimal(0)

    def position_value(self, position: Position) -> Decimal:
        """Current value of a position's open volume at the tape's last price (quote)."""
        return position.value(self.last_price(position.pair))

    def margin_state(self) -> MarginState:
        """Compute the account's margin figures (see the module docstring)."""
        balances = self.account.balances.items()
        equivalent = sum((self.usd_value(a, v) for a, v in balances), Decimal(0))
        collateral = sum(
            (self.usd_value(a, v) * Decimal(ASSETS[a].collateral_value) for a, v in balances),
            Decimal(0),
        )
        used = pnl = cost = value = Decimal(0)
        for position in self.positions.open_rows():
            quote = position.pair.quote
            now_value = self.position_value(position)
            used += self.usd_value(quote, position.open_cost / position.leverage)
            pnl += self.usd_value(quote, (now_value - position.open_cost) * position.sign)
            cost += self.usd_value(quote, position.open_cost)
            value += self.usd_value(quote, now_value)
        return MarginState(equivalent, collateral, used, pnl, cost, value)

    def check_margin(self, order: Order) -> None:
        """Raise a margin error if the account cannot carry the leveraged order."""
        if not order.leverage or order.reduce_only:
            return
        pair = order.pair
        required = self.usd_value(pair.quote, self.order_cost(order) / order.leverage)
        state = self.margin_state()
        if required > state.free:
            raise OrderRejected("EOrder:Insufficient margin")
        level = state.level(required)
        if level is not None and level < OPEN_MARGIN_LEVEL:
            raise OrderRejected("EOrder:Margin level too low")

    def order_cost(self, order: Order) -> Decimal:
        """Estimate an order's cost in quote currency: at its limit, or through the book."""
        pair = order.pair
        price = order.limit_price or order.price
        if order.ordertype == "market" or price is None:
            fills = self.preview(order)
            units = sum((Decimal(p) * q for p, q in fills), Decimal(0))
            # what the book cannot fill is priced at the last trade
            rest = order.volume - sum(q for _, q in fills)
            units += Decimal(rest) * self.last_price(pair)
        else:
            units = Decimal(price) * order.volume
        return units.scaleb(-(pair.pair_decimals + pair.lot_decimals))

    # -- placing ----------------------------------------------------------------------------
    def check_funds(self, order: Order) -> None:
        """Raise ``EOrder:Insufficient funds`` (spot) or a margin error (leveraged orders)."""
        pair = order.pair
        if order.ordertype == "settle-position":
            self._check_settlement(order)
            return
        if order.leverage:
            self.check_margin(order)
            return
        if order.side == "sell":
            need = Decimal(order.volume) / 10**pair.lot_decimals
            if need > self.available(pair.base):
                raise OrderRejected("EOrder:Insufficient funds")
            return
        price = order.limit_price or order.price
        if order.ordertype == "market" or price is None:
            fills = self.preview(order)
            cost = sum((Decimal(p) * q for p, q in fills), Decimal(0))
        else:
            cost = Decimal(price) * order.volume
        cost = cost / 10 ** (pair.pair_decimals + pair.lot_decimals) * (1 + TAKER_FEE)
        if cost > self.available(pair.quote):
            raise OrderRejected("EOrder:Insufficient funds")

    def preview(self, order: Order) -> list[tuple[int, int]]:
        """Return the fills a taker order would get now, without touching the book."""
        book = self.books[order.pair.key]
        side = book.asks if order.side == "buy" else book.bids
        prices = side.prices if order.side == "buy" else list(reversed(side.prices))
        limit = order.limit_price if order.ordertype != "market" else None
        out: list[tuple[int, int]] = []
        remaining = order.volume
        for price in prices:
            if remaining <= 0 or (
                limit is not None and (price > limit if order.side == "buy" else price < limit)
            ):
                break
            took = min(remaining, side.qty[price])
            out.append((price, took))
            remaining -= took
        return out

    def place(self, order: Order) -> None:
        """Register a validated order and execute what crosses."""
        self.orders[order.txid] = order
        self._log("new", order)
        self.account.emit("exec", ("pending_new", order, None))
        self.account.emit("exec", ("new", order, None))
        if order.ordertype in IMMEDIATE_TYPES:
            self._execute(order)
        elif order.ordertype == "settle-position":
            self._settle(order)

    def _execute(self, order: Order) -> None:
        """Take liquidity for a market/limit (or triggered) order; rest or close it."""
        limit = order.limit_price if order.ordertype != "market" else None
        book = self.books[order.pair.key]
        crosses = bool(self.preview(order)) if limit is not None else True
        if order.post_only and crosses:
            self.close(order, "canceled", "Post only order")
            return
        if crosses:
            now = self.now()
            for price, qty in book.take(order.side, order.remaining, limit, now // NS):
                self.fill(order, price, qty, maker=False)
            self.on_book_change(order.pair.key)
        if order.remaining <= 0:
            self.close(order, "closed", None)
        elif limit is None or order.timeinforce == "IOC":
            self.close(order, "closed" if order.vol_exec else "canceled", "Insufficient liquidity")

    def fill(self, order: Order, price: int, qty: int, maker: bool) -> Fill:
        """Book one fill: balances, ledger, private trade, execution event."""
        pair = order.pair
        now = self.now()
        vol = Decimal(qty) / 10**pair.lot_decimals
        cost = vol * Decimal(price) / 10**pair.pair_decimals
        cost = cost.quantize(Decimal(1).scaleb(-pair.cost_decimals))
        fee = (cost * (MAKER_FEE if maker else TAKER_FEE)).quantize(
            Decimal(1).scaleb(-ASSETS[pair.quote].decimals)
        )
        self._trade_seq += 1
        fill = Fill(
            self.account.new_id("T"),
            order,
            now,
            price,
            qty,
            cost,
            fee,
            maker,
            self._trade_seq,
            position=bool(order.leverage),
        )
        if order.leverage:
            left, pnl = self.positions.net(pair, order.side, price, qty)
            entry = self.account.post(pair.quote, pnl, fee, fill.id, now, "margin")
            fill.ledgers.append(entry.id)
            if left and not order.reduce_only:
                share = Decimal(left) / qty
                self.positions.rows.append(
                    Position(fill.id, order, now, price, left, cost * share, fee * share)
                )
        else:
            sign = 1 if order.side == "buy" else -1
            base = self.account.post(pair.base, vol * sign, Decimal(0), fill.id, now, "trade")
            quote = self.account.post(pair.quote, -cost * sign, fee, fill.id, now, "trade")
            fill.ledgers += [base.id, quote.id]
        self._record(order, fill)
        return fill

    def _record(self, order: Order, fill: Fill) -> None:
        """Add a fill to its order and the account's trades; tell the listeners."""
        order.vol_exec += fill.volume
        order.cost += fill.cost
        order.fee += fill.fee
        order.trades.append(fill.id)
        self.fills.append(fill)
        self._log("trade", order, fill)
        self.account.emit("exec", ("trade", order, fill))

    def _settling(self, order: Order) -> list[tuple[Position, int]]:
        """The opposing positions a settle-position order settles, oldest first, with volumes."""
        out, left = [], order.volume
        for position in self.positions.open_rows():
            if left > 0 and position.pair is order.pair and position.side != order.side:
                qty = min(left, position.open_volume)
                out.append((position, qty))
                left -= qty
        return out

    def _check_settlement(self, order: Order) -> None:
        pair = order.pair
        need_quote = need_base = Decimal(0)
        for position, qty in self._settling(order):
            if position.side == "buy":
                need_quote += position.cost * qty / position.volume
            else:
                need_base += Decimal(qty).scaleb(-pair.lot_decimals)
        if need_quote > self.available(pair.quote) or need_base > self.available(pair.base):
            raise OrderRejected("EOrder:Insufficient funds")

    def _settle(self, order: Order) -> None:
        """Settle positions at their opening price: a long pays its cost and takes the base."""
        pair, now = order.pair, self.now()
        for position, qty in self._settling(order):
            cost = (position.cost * qty / position.volume).quantize(
                Decimal(1).scaleb(-pair.cost_decimals)
            )
            self._trade_seq += 1
            fill = Fill(
                self.account.new_id("T"),
                order,
                now,
                position.price,
                qty,
                cost,
                Decimal(0),
                False,
                self._trade_seq,
                position=True,
            )
            vol, sign = Decimal(qty).scaleb(-pair.lot_decimals), position.sign
            base = self.account.post(pair.base, vol * sign, Decimal(0), fill.id, now, "settled")
            quote = self.account.post(pair.quote, -cost * sign, Decimal(0), fill.id, now, "settled")
            fill.ledgers += [base.id, quote.id]
            position.vol_closed += qty
            self._record(order, fill)
        self.close(order, "closed", None)

    def close(self, order: Order, status: str, reason: str | None) -> None:
        """Close or cancel an order."""
        order.status = status
        order.reason = reason
        order.closetm_ns = self.now()
        self._log(status, order)
        self.account.emit("exec", ("canceled" if status == "canceled" else "filled", order, None))

    def _log(self, event: str, order: Order, fill: Fill | None = None) -> None:
        row: dict[str, object] = {
            "time_ns": self.now(),
            "event": event,
            "txid": order.txid,
            "pair": order.pair.key,
            "side": order.side,
            "ordertype": order.ordertype,
            "status": order.status,
        }
        if fill is not None:
            row.update(price=str(fill.price), volume=str(fill.volume), trade=fill.id)
        self.log.append(row)

    # -- time-driven ------------------------------------------------------------------------
    def on_tick(self) -> None:
        """Fill resting limits and fire triggers against the tape; run the dead-man switch."""
        now = self.now()
        if self.dead_man_ns is not None and now >= self.dead_man_ns:
            self.dead_man_ns = None
            for order in self.open_orders():
                self.close(order, "canceled", "Cancel all orders after timeout")
        for order in self.open_orders():
            last = self.last_price(order.pair)
            if order.ordertype in IMMEDIATE_TYPES or order.triggered:
                limit = order.limit_price
                if limit is not None and (
                    # strictly through the limit: the tape must trade past the resting price
                    (order.side == "buy" and last < limit)
                    or (order.side == "sell" and last > limit)
                ):
                    self.fill(order, limit, resting_fill(order), maker=True)
                    if order.remaining <= 0:
                        self.close(order, "closed", None)
                continue
            trail(order, last)
            if fires(order, last):
                order.triggered = True
                self._execute(order)
