"""Verify the spot key: connectivity, clock skew, key accepted, each permission; nothing placed.

Checks (SPEC.md): connectivity and system status; server time and clock skew (round-trip
corrected); key accepted; each permission probed with the cheapest call that needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.errors import (
    AuthError,
    KrxError,
    NetworkError,
    OrderError,
    PermissionDeniedError,
    RateLimitError,
)
from kraken_cli.models.reply import Reply
from kraken_cli.models.symbols import Pair
from kraken_cli.services.trading.pair_checks import lot, tick
from kraken_cli.services.verify.report import AUTH, KRAKEN, NETWORK, RATE_LIMIT, Check, VerifyReport

WARN_SKEW_S = 1.0
DEFAULT_PROBE_SYMBOL = "BTC/USD"


class SkewLike(Protocol):
    """The clock sample of ``services.market``'s status report."""

    @property
    def skew(self) -> float:
        """Local minus server clock, seconds."""
        ...

    @property
    def uncertainty(self) -> float:
        """Half the round trip plus half the source resolution, seconds."""
        ...


class StatusLike(Protocol):
    """What verify reads of ``MarketService.status()``."""

    @property
    def status(self) -> str:
        """Kraken's system status (online, maintenance, ...)."""
        ...

    @property
    def sample(self) -> SkewLike:
        """The least uncertain clock sample."""
        ...


class MarketProbe(Protocol):
    """The public side verify needs (``services.market.MarketService`` adapts to it)."""

    def status(self) -> StatusLike:
        """Probe SystemStatus and Time."""
        ...

    def probe_pair(self, preferred: str) -> Pair:
        """Return ``preferred`` resolved, or any online pair when it is not listed."""
        ...

    def last_price(self, pair: Pair) -> Decimal:
        """Return the pair's last trade price."""
        ...


def _explain(exc: KrxError) -> str:
    return exc.message + (f" (hint: {exc.hint})" if exc.hint else "")


def _category(exc: KrxError) -> str:
    if isinstance(exc, NetworkError):
        return NETWORK
    if isinstance(exc, AuthError):
        return AUTH
    if isinstance(exc, RateLimitError):
        return RATE_LIMIT
    return KRAKEN


def minimal_order(pair: Pair, last: Decimal) -> dict[str, str]:
    """Return a limit buy at the last price with the smallest volume the pair accepts."""
    step = tick(pair)
    price = (last / step).to_integral_value(ROUND_FLOOR) * step
    if price <= 0:
        price = step
    volume = pair.ordermin or lot(pair)
    if pair.costmin is not None and volume * price < pair.costmin:
        volume = (pair.costmin / price).quantize(lot(pair), ROUND_CEILING)
    return {
        "pair": pair.altname,
        "type": "buy",
        "ordertype": "limit",
        "price": f"{price.normalize():f}",
        "volume": f"{volume.normalize():f}",
        "validate": "true",  # Kraken only validates: nothing is placed
    }


class VerifyService:
    """Runs the verify checks against one Kraken server."""

    def __init__(
        self,
        market: MarketProbe,
        private: SpotPrivate | None,
        *,
        rest_url: str,
        max_skew_s: float = 5.0,
        probe_symbol: str = DEFAULT_PROBE_SYMBOL,
        futures_probe: Callable[[], Check] | None = None,
        no_key_detail: str | None = None,
    ) -> None:
        self.market = market
        self.private = private
        self.rest_url = rest_url
        self.max_skew_s = max_skew_s
        self.probe_symbol = probe_symbol
        #: Set by the futures client when a futures market is configured (a later issue).
        self.futures_probe = futures_probe
        #: Why there is no private client (e.g. the config's ``${VAR}`` is not defined).
        self.no_key_detail = no_key_detail

    def run(self) -> VerifyReport:
        """Run every check; later checks are skipped when an earlier one makes them moot."""
        report = VerifyReport()
        checks = report.checks
        try:
            status = self.market.status()
        except KrxError as exc:
            checks.append(Check("connectivity", False, _explain(exc), category=_category(exc)))
            checks.append(
                Check("clock skew", False, "skipped: Kraken unreachable", category=NETWORK)
            )
            self._skip_private(checks, "Kraken unreachable", NETWORK)
            return report
        online = status.status == "online"
        checks.append(
            Check(
                "connectivity",
                online,
                f"{self.rest_url} reachable; system status {status.status}",
                category=None if online else KRAKEN,
                warning=not online,
            )
        )
        checks.append(self._skew_check(status.sample))
        if self.private is None:
            checks.append(
                Check(
                    "key accepted",
                    False,
                    self.no_key_detail
                    or "no spot API key configured (set KRAKEN_API_KEY / KRAKEN_API_SECRET or"
                    " the config file)",
                    category=AUTH,
                )
            )
            self._skip_private(checks, "no key", AUTH, include_key=False)
        else:
            self._private_checks(self.private, checks)
        if self.futures_probe is not None:
            checks.append(self.futures_probe())
        return report

    def _skew_check(self, sample: SkewLike) -> Check:
        skew = sample.skew
        size = abs(skew)
        detail = (
            f"local clock {'ahead of' if skew >= 0 else 'behind'} Kraken by {size:.3f} s "
            f"(±{sample.uncertainty:.3f} s, round-trip corrected)"
        )
        if size > self.max_skew_s:
            return Check(
                "clock skew",
                False,
                f"{detail}; over the limit of {self.max_skew_s:g} s (krx.max_clock_skew_s): "
                "sync the clock (NTP) — a wrong clock is the usual cause of EAPI:Invalid nonce",
                category=AUTH,
            )
        if size > WARN_SKEW_S:
            return Check(
                "clock skew", True, f"{detail}; warning: over 1 s, sync the clock", warning=True
            )
        return Check("clock skew", True, detail)

    def _private_checks(self, api: SpotPrivate, checks: list[Check]) -> None:
        # Balance doubles as the key check: a permission error proves key, signature and nonce.
        try:
            balances = Reply("Balance").table(api.call("Balance", idempotent=True))
            funds = Check("Query Funds", True, f"Balance: {len(balances)} assets")
        except PermissionDeniedError as exc:
            funds = self._denied("Query Funds", "Balance", exc)
        except KrxError as exc:
            checks.append(Check("key accepted", False, _explain(exc), category=_category(exc)))
            self._skip_private(checks, "key not accepted", _category(exc), include_key=False)
            return
        checks.append(Check("key accepted", True, "key, signature and nonce accepted"))
        checks.append(funds)
        checks.append(
            self._probe_all("Query Orders & Trades", api, ["OpenOrders", "TradesHistory"])
        )
        checks.append(self._probe_all("Query Ledger", api, ["Ledgers"]))
        checks.append(self._order_check(api))
        checks.append(self._probe_all("WebSocket token", api, ["GetWebSocketsToken"]))

    def _probe_all(self, name: str, api: SpotPrivate, methods: Sequence[str]) -> Check:
        for method in methods:
            try:
                api.call(method, _PROBE_DATA.get(method), idempotent=True)
            except PermissionDeniedError as exc:
                return self._denied(name, method, exc)
            except KrxError as exc:
                return Check(name, False, f"{method}: {_explain(exc)}", category=_category(exc))
        return Check(name, True, " + ".join(methods) + ": allowed")

    def _order_check(self, api: SpotPrivate) -> Check:
        name = "Create & Modify Orders"
        try:
            pair = self.market.probe_pair(self.probe_symbol)
            body = minimal_order(pair, self.market.last_price(pair))
        except KrxError as exc:
            return Check(
                name, False, f"no pair to probe with: {_explain(exc)}", category=_category(exc)
            )
        order = f"{body['type']} {body['volume']} {pair.symbol} @ {body['price']}"
        what = f"AddOrder validate=true ({order})"
        try:
            api.call("AddOrder", body, idempotent=False)
        except PermissionDeniedError as exc:
            return self._denied(name, "AddOrder", exc)
        except OrderError as exc:
            # A business rejection (e.g. insufficient funds) comes after the permission check.
            return Check(name, True, f"{what}: allowed; Kraken noted: {exc.message}")
        except KrxError as exc:
            return Check(name, False, f"{what}: {_explain(exc)}", category=_category(exc))
        return Check(name, True, f"{what}: allowed, nothing placed")

    @staticmethod
    def _denied(name: str, method: str, exc: KrxError) -> Check:
        return Check(
            name,
            False,
            f"{method}: permission denied — enable '{name}' on the API key "
            f"(Kraken: {', '.join(exc.kraken) or exc.message})",
            category=AUTH,
        )

    @staticmethod
    def _skip_private(
        checks: list[Check], why: str, category: str, *, include_key: bool = True
    ) -> None:
        names = ["key accepted"] if include_key else []
        names += [
            "Query Funds",
            "Query Orders & Trades",
            "Query Ledger",
            "Create & Modify Orders",
            "WebSocket token",
        ]
        for name in names:
            checks.append(Check(name, False, f"skipped: {why}", category=category))


#: Cheapest bodies for the probes (one page, no counts where Kraken allows).
_PROBE_DATA: dict[str, dict[str, str]] = {
    "TradesHistory": {"without_count": "true"},
    "Ledgers": {"without_count": "true"},
}


def adapt_market(service: Any) -> MarketProbe:
    """Wrap ``services.market.MarketService`` as a :class:`MarketProbe`."""
    return _MarketAdapter(service)


class _MarketAdapter:
    def __init__(self, service: Any) -> None:
        self._service = service

    def status(self) -> StatusLike:
        result: StatusLike = self._service.status()
        return result

    def probe_pair(self, preferred: str) -> Pair:
        index = self._service.resolver.index()
        pair: Pair | None = index.lookup(preferred)
        if pair is None:
            online = [p for p in index.pairs if p.status == "online"] or list(index.pairs)
            if not online:
                raise NetworkError("Kraken listed no pairs")
            pair = online[0]
        return pair

    def last_price(self, pair: Pair) -> Decimal:
        tickers = self._service.ticker([pair.symbol])
        last: Decimal = tickers[0].last
        return last
