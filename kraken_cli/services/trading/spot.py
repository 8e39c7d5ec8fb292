"""Placing, amending and cancelling spot orders, checked locally and never sent twice.

Every order carries a client order id (generated when the user gives none). When AddOrder ends
in a timeout or a broken connection, krx does not re-send it: it looks the order up by that id
(OpenOrders, then ClosedOrders) and reports what really happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.errors import KrxError, NetworkError, UsageError
from kraken_cli.models.account import Names, Order
from kraken_cli.models.reply import Reply
from kraken_cli.models.segment import Market
from kraken_cli.models.symbols import Pair
from kraken_cli.models.trading import (
    Amended,
    AmendRequest,
    Cancelled,
    CancelledAll,
    OrderRequest,
    PlacedOrder,
    Placement,
    Ticket,
)
from kraken_cli.services.account import Closing
from kraken_cli.services.account.spot import SpotAccount, lookup_names, open_private
from kraken_cli.services.trading.estimate import spot_estimate
from kraken_cli.services.trading.pair_checks import (
    add_order_body,
    check_order,
    check_price,
    check_volume,
)
from kraken_cli.services.trading.rules import (
    check_amend,
    check_id,
    check_request,
    new_cl_ord_id,
    parse_decimal,
)

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.models.fees import FeeTier
    from kraken_cli.models.ticker import Ticker

__all__ = ["OrderRequest", "SpotTrading", "TradingService", "check_order"]


class TradingService:
    """Order placement, amendment and cancellation over one SpotPrivate client."""

    def __init__(
        self,
        api: SpotPrivate,
        names: Names | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        lookup_grace_s: float = 10.0,
        lookup_interval_s: float = 1.0,
        recovery: Callable[[], SpotPrivate] | None = None,
    ) -> None:
        self.api = api
        self.names = names
        self.account = SpotAccount(api, names)
        #: Builds the client for the look-up after a lost AddOrder reply: a slow server that
        #: timed out once deserves a more patient timeout (same key lock and counter).
        self._recovery = recovery
        self._sleep = sleep
        self._clock = clock
        self.lookup_grace_s = lookup_grace_s
        self.lookup_interval_s = lookup_interval_s

    def place(self, pair: Pair, req: OrderRequest) -> PlacedOrder:
        """Check and send AddOrder once; after a network failure find the order by cl_ord_id.

        https://docs.kraken.com/api/docs/rest-api/add-order
        """
        check_order(pair, req)
        cl_ord_id = req.cl_ord_id or new_cl_ord_id()
        body = add_order_body(pair, req, cl_ord_id)
        try:
            result = self.api.call("AddOrder", body, idempotent=False)
        except NetworkError as exc:
            if req.validate:
                raise
            return self._recover(pair, cl_ord_id, exc)
        reply = Reply("AddOrder")
        result = reply.table(result)
        txids = result.get("txid") or []
        if not isinstance(txids, list):
            raise reply.fail("txid is not a list")
        descr = reply.table(result.get("descr") or {}, "descr")
        description = reply.text(descr.get("order"), "descr.order") or ""
        if req.validate:
            return PlacedOrder(None, cl_ord_id, pair.symbol, "validated", description)
        order_id = reply.text(txids[0], "txid") if txids else None
        return PlacedOrder(order_id, cl_ord_id, pair.symbol, "placed", description)

    def find(self, cl_ord_id: str, account: SpotAccount | None = None) -> Order | None:
        """Return the order with this client id, open or recently closed, or None."""
        account = account or self.account
        for order in account.open_orders(cl_ord_id):
            return order
        for order in account.closed_orders(cl_ord_id=cl_ord_id):
            return order
        return None

    def _recover(self, pair: Pair, cl_ord_id: str, cause: NetworkError) -> PlacedOrder:
        # The request may have reached Kraken. Never re-send: look it up, a few times, because
        # a slow engine may still be processing it.
        account = self.account
        if self._recovery is not None:
            account = SpotAccount(self._recovery(), self.names)
        try:
            found, waited = self._poll(cl_ord_id, account)
        except KrxError as again:
            raise NetworkError(
                f"AddOrder failed ({cause.message}) and the order could not be looked up: "
                f"its outcome is UNKNOWN (cl_ord_id {cl_ord_id})",
                hint=f"check `krx account orders` for cl_ord_id {cl_ord_id} before placing it "
                "again; krx never re-sends an order on its own",
            ) from again
        finally:
            if account is not self.account:
                account.api.close()
        if found is None:
            raise NetworkError(
                f"AddOrder failed ({cause.message}); the order was NOT placed: no order with "
                f"cl_ord_id {cl_ord_id} is open or closed after {waited:.0f} s",
                hint="it is safe to place it again",
            ) from cause
        return PlacedOrder(
            found.order_id,
            cl_ord_id,
            found.symbol or pair.symbol,
            "placed-after-timeout",
            getattr(found, "description", None) or "",
        )

    def _poll(self, cl_ord_id: str, account: SpotAccount) -> tuple[Order | None, float]:
        # Bounded by time, not by rounds: each look-up may itself be slow.
        start = self._clock()
        while True:
            found = self.find(cl_ord_id, account)
            waited = self._clock() - start
            if found is not None or waited >= self.lookup_grace_s:
                return found, waited
            self._sleep(self.lookup_interval_s)

    def amend(self, req: AmendRequest, pair: Pair | None = None) -> Amended:
        """Amend an order in place (keeps its id and queue priority where possible).

        https://docs.kraken.com/api/docs/rest-api/amend-order
        """
        check_amend(req)
        body = {("txid" if _looks_like_txid(req.order_id) else "cl_ord_id"): req.order_id}
        if req.volume is not None:
            if pair is not None:
                check_volume(pair, parse_decimal(req.volume, "volume"))
            body["order_qty"] = req.volume
        for field, value, what in (
            ("limit_price", req.price, "price"),
            ("trigger_price", req.trigger_price, "trigger price"),
        ):
            if value is not None:
                if pair is not None:
                    check_price(pair, value, what)
                body[field] = value
        if req.post_only:
            body["post_only"] = "true"
        reply = Reply("AmendOrder")
        result = reply.table(self.api.call("AmendOrder", body, idempotent=False))
        return Amended(req.order_id, reply.text(result.get("amend_id"), "amend_id"), "amended")

    def cancel(self, ids: Sequence[str]) -> list[Cancelled]:
        """Cancel orders by txid or client id, one CancelOrder each.

        https://docs.kraken.com/api/docs/rest-api/cancel-order
        """
        ids = [check_id(ident, "order id") for ident in ids]
        reply = Reply("CancelOrder")
        out: list[Cancelled] = []
        for ident in ids:
            field = "txid" if _looks_like_txid(ident) else "cl_ord_id"
            result = reply.table(self.api.call("CancelOrder", {field: ident}, idempotent=False))
            count = int(reply.amount(result.get("count"), "count") or 0)
            pending = reply.flag(result.get("pending"), "pending") or False
            out.append(Cancelled(ident, count, pending))
        return out

    def cancel_all(self) -> CancelledAll:
        """Cancel every open order; return how many.

        https://docs.kraken.com/api/docs/rest-api/cancel-all-orders
        """
        reply = Reply("CancelAll")
        result = reply.table(self.api.call("CancelAll", idempotent=False))
        return CancelledAll(int(reply.amount(result.get("count"), "count") or 0))


class SpotTrading(Closing):
    """The trading use case on spot or margin: checks, confirmation text, one send per order."""

    def __init__(
        self,
        settings: Settings,
        *,
        margin: bool = False,
        otp: str | None = None,
        debug_log: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.market = Market.MARGIN if margin else Market.SPOT
        self._otp, self._log = otp, debug_log
        self._api: SpotPrivate | None = None

    def close(self) -> None:
        """Close the private client, if one was opened."""
        if self._api is not None:
            self._api.close()

    def _engine(self, names: Names | None = None) -> TradingService:
        # Opened on first use: input errors are reported before a missing key is.
        if self._api is None:
            self._api = open_private(self.settings, otp=self._otp, debug_log=self._log)
        # After a lost reply the look-up gets a more patient timeout than the order had.
        patient = max(30.0, 3 * self.settings.krx.timeout_s)
        return TradingService(
            self._api,
            names,
            recovery=lambda: open_private(self.settings, otp=self._otp, timeout_s=patient),
        )

    def _pair(self, symbol: str) -> Pair:
        from kraken_cli.services.market.spot import MarketService

        service = MarketService.from_settings(self.settings, debug_log=self._log)
        try:
            return service.resolver.resolve(symbol)
        finally:
            service.close()

    def prepare(self, req: OrderRequest) -> Ticket:
        """Check the order (inputs, then the pair's rules) and compose the question to ask."""
        req = check_request(req, self.market)
        pair = self._pair(req.symbol)
        volume = check_order(pair, req)
        at = f" @ {req.price}" if req.price else ""
        question = f"Place {req.type} {req.side} {req.volume} {pair.symbol}{at}?"
        estimate = spot_estimate(
            pair,
            req,
            volume,
            ticker=lambda: self._ticker(pair),
            tier=lambda: self._fee_tier(pair),
        )
        return Ticket(req, None if req.validate else question, pair, estimate)

    def _ticker(self, pair: Pair) -> Ticker:
        from kraken_cli.services.market.spot import MarketService

        service = MarketService.from_settings(self.settings, debug_log=self._log)
        try:
            return service.ticker([pair.symbol])[0]
        finally:
            service.close()

    def _fee_tier(self, pair: Pair) -> FeeTier | None:
        tiers = SpotAccount(self._engine().api).trade_volume([pair.altname])
        return tiers[0] if tiers else None

    def place(self, ticket: Ticket) -> Placement:
        """Send the order once (margin errors explained); report a reply lost but found."""
        from kraken_cli.services.account.margin import explain

        engine = self._engine(lookup_names(self.settings, self._log))
        try:
            placed = engine.place(ticket.target, ticket.request)
        except KrxError as exc:
            if ticket.request.leverage:
                raise explain(exc) from exc
            raise
        note = None
        if placed.status == "placed-after-timeout":
            note = (
                "the reply was lost, but Kraken has the order "
                f"(found by cl_ord_id {placed.cl_ord_id})"
            )
        return Placement(placed, note)

    def find(self, cl_ord_id: str) -> Order | None:
        """Return the order with this client id, open or recently closed, or None."""
        check_id(cl_ord_id, "cl_ord_id")
        return self._engine(lookup_names(self.settings, self._log)).find(cl_ord_id)

    def amend(self, req: AmendRequest) -> Amended:
        """Amend an order (checked against ``req.symbol``'s pair when given)."""
        check_amend(req)
        pair = self._pair(req.symbol) if req.symbol else None
        return self._engine().amend(req, pair)

    def cancel(self, ids: Sequence[str]) -> list[Cancelled]:
        """Cancel orders by txid or client id."""
        for ident in ids:
            check_id(ident, "order id")
        return self._engine().cancel(ids)

    def cancel_all_question(self, symbol: str | None = None) -> str:
        """Return the confirmation question (spot cancel-all has no per-symbol form)."""
        if symbol:
            raise UsageError(
                "--symbol is a futures option of cancel-all", hint="add --market futures"
            )
        return "Cancel ALL open orders?"

    def cancel_all(self, symbol: str | None = None) -> CancelledAll:
        """Cancel every open order of the key."""
        self.cancel_all_question(symbol)
        return self._engine().cancel_all()


def _looks_like_txid(ident: str) -> bool:
    # Kraken order ids: OXXXXX-XXXXX-XXXXXX (6-5-6).
    parts = ident.split("-")
    return len(parts) == 3 and [len(p) for p in parts] == [6, 5, 6] and ident[0] == "O"
