"""The spot and margin account: balances, orders, trades, ledger, positions (paged by Kraken).

Also builds the private client from Settings (``open_private``), which trading and verify share,
and the asset/pair name map (``lookup_names``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.errors import ConfigError, KrakenError, KrxError
from kraken_cli.models.account import (
    SPOT_RECORDS,
    LedgerEntry,
    Names,
    SpotBalance,
    SpotFill,
    SpotOrder,
)
from kraken_cli.models.account_spot import (
    parse_balance_ex,
    parse_ledger,
    parse_orders,
    parse_positions,
    parse_trade_balance,
    parse_trades,
)
from kraken_cli.models.fees import FeeTier, parse_trade_volume
from kraken_cli.models.margin import Position, TradeBalance
from kraken_cli.models.reply import Reply
from kraken_cli.models.segment import Market
from kraken_cli.services.account import Closing, Window
from kraken_cli.services.account import margin as margin_view

if TYPE_CHECKING:
    import httpx

    from kraken_cli.config.settings import Settings
    from kraken_cli.models.symbols import SymbolIndex


def open_private(
    settings: Settings,
    *,
    otp: str | None = None,
    transport: httpx.BaseTransport | None = None,
    debug_log: Callable[[str], None] | None = None,
    state_dir: Path | None = None,
    timeout_s: float | None = None,
) -> SpotPrivate:
    """Build the signed spot client (nonce lock, shared counter) from Settings."""
    from kraken_cli.client.http import KrakenHttp
    from kraken_cli.client.nonce import NonceSource
    from kraken_cli.client.ratelimit import RateLimiter, tier_for
    from kraken_cli.client.retry import RetryPolicy
    from kraken_cli.config.settings import missing_key_error

    creds = settings.spot
    if creds is None and settings.spot_undefined:
        raise missing_key_error(settings.spot_undefined, "spot API key")
    if creds is None or not creds.key.strip() or not creds.secret.strip():
        raise ConfigError(
            "no spot API key configured",
            hint="run `krx setup`, or set KRAKEN_API_KEY and KRAKEN_API_SECRET; "
            "`krx --sandbox ...` uses the sandbox's own key",
        )
    opts = settings.krx
    http = KrakenHttp(
        settings.endpoints.rest_url,
        transport=transport,
        timeout=timeout_s or opts.timeout_s,
        retry=RetryPolicy(max_attempts=max(1, opts.max_retries + 1)),
        debug_log=debug_log,
    )
    directory = state_dir / "keys" if state_dir is not None else None
    return SpotPrivate(
        http,
        creds,
        NonceSource(creds.key, directory),
        RateLimiter(tier_for(opts), max_wait_s=opts.max_pacing_wait_s),
        otp=otp or os.environ.get("KRX_OTP") or None,
    )


def key_budget(settings: Settings) -> dict[str, float] | None:
    """Return the spot key's call counter, Kraken's maximum and the headroom (None: no key)."""
    from kraken_cli.client.nonce import NonceSource
    from kraken_cli.client.ratelimit import RateLimiter, tier_for

    creds = settings.spot
    if creds is None or not creds.key.strip():
        return None
    return RateLimiter(tier_for(settings.krx)).budget(NonceSource(creds.key).peek())


def names_from_index(index: SymbolIndex | None) -> Names:
    """Return a Names map backed by the symbol index (identity-ish when there is none)."""
    if index is None:
        return Names()

    def pair_lookup(name: str) -> str | None:
        pair = index.lookup(name)
        return pair.symbol if pair else None

    return Names(asset_lookup=index.asset_code, pair_lookup=pair_lookup)


def lookup_names(settings: Settings, debug_log: Callable[[str], None] | None = None) -> Names:
    """Return the asset/pair name map from the symbol cache; raw Kraken names if unavailable."""
    from kraken_cli.services.market.spot import MarketService

    try:
        service = MarketService.from_settings(settings, debug_log=debug_log)
        try:
            return names_from_index(service.resolver.index())
        finally:
            service.close()
    except KrxError:
        return Names()


class SpotAccount(Closing):
    """Read-only account queries over one SpotPrivate client (spot, or margin)."""

    records = SPOT_RECORDS

    def __init__(
        self, api: SpotPrivate, names: Names | None = None, *, margin: bool = False
    ) -> None:
        self.api = api
        self.names = names or Names()
        self.market = Market.MARGIN if margin else Market.SPOT

    def close(self) -> None:
        """Close the private client."""
        self.api.close()

    def balances(self) -> list[SpotBalance]:
        """Return balances with holds (BalanceEx; plain Balance where BalanceEx is unknown).

        https://docs.kraken.com/api/docs/rest-api/get-extended-balance
        """
        try:
            return parse_balance_ex(self.api.call("BalanceEx", idempotent=True), self.names)
        except KrakenError as exc:
            if not any(e.startswith("EGeneral:Unknown method") for e in exc.kraken):
                raise
        # https://docs.kraken.com/api/docs/rest-api/get-account-balance
        return parse_balance_ex(self.api.call("Balance", idempotent=True), self.names, "Balance")

    def trade_balance(self, asset: str = "ZUSD") -> list[TradeBalance]:
        """Return the margin summary in ``asset`` (margin: as ``--market margin`` names it).

        https://docs.kraken.com/api/docs/rest-api/get-trade-balance
        """
        if self.market is Market.MARGIN:
            return [margin_view.trade_balance(self.api, asset, self.names)]
        result = self.api.call("TradeBalance", {"asset": asset}, idempotent=True)
        return [parse_trade_balance(result, self.names.asset(asset))]

    def open_orders(self, cl_ord_id: str | None = None) -> list[SpotOrder]:
        """Return open orders, optionally the one with a client order id.

        https://docs.kraken.com/api/docs/rest-api/get-open-orders
        """
        data = {"cl_ord_id": cl_ord_id} if cl_ord_id else {}
        result = Reply("OpenOrders").table(self.api.call("OpenOrders", data, idempotent=True))
        orders = parse_orders(result.get("open", {}), self.names)
        return [o for o in orders if cl_ord_id is None or o.cl_ord_id == cl_ord_id]

    def closed_orders(
        self, window: Window | None = None, cl_ord_id: str | None = None
    ) -> list[SpotOrder]:
        """Return closed orders, newest first, paging 50 at a time up to ``window.limit``.

        https://docs.kraken.com/api/docs/rest-api/get-closed-orders
        """
        window = window or Window()
        data = window.params() | ({"cl_ord_id": cl_ord_id} if cl_ord_id else {})
        rows = self._paged("ClosedOrders", "closed", data, window.limit)
        orders = parse_orders(dict(rows), self.names, "ClosedOrders")
        return [o for o in orders if cl_ord_id is None or o.cl_ord_id == cl_ord_id]

    def trades(self, window: Window | None = None) -> list[SpotFill]:
        """Return the account's fills, newest first (cost 2 per page on the call counter).

        https://docs.kraken.com/api/docs/rest-api/get-trade-history
        """
        window = window or Window()
        rows = self._paged("TradesHistory", "trades", window.params(), window.limit)
        return parse_trades(dict(rows), self.names)

    def ledger(
        self, window: Window | None = None, asset: str | None = None, kind: str | None = None
    ) -> list[LedgerEntry]:
        """Return ledger entries, newest first (cost 2 per page).

        https://docs.kraken.com/api/docs/rest-api/get-ledgers
        """
        window = window or Window()
        data = window.params()
        if asset:
            data["asset"] = asset
        if kind:
            data["type"] = kind
        rows = self._paged("Ledgers", "ledger", data, window.limit)
        return parse_ledger(dict(rows), self.names)

    def positions(self, consolidate: bool = False) -> list[Position]:
        """Return open margin positions (margin, or ``consolidate``: with P&L, as margin shows).

        https://docs.kraken.com/api/docs/rest-api/get-open-positions
        """
        if self.market is Market.MARGIN or consolidate:
            return list(margin_view.positions(self.api, consolidate=consolidate, names=self.names))
        result = self.api.call("OpenPositions", {"docalcs": "true"}, idempotent=True)
        return list(parse_positions(result, self.names))

    def trade_volume(self, pairs: Sequence[str]) -> list[FeeTier]:
        """Return the key's fee tier on each pair (Kraken pair names) and its 30-day volume.

        https://docs.kraken.com/api/docs/rest-api/get-trade-volume
        """
        result = self.api.call("TradeVolume", {"pair": ",".join(pairs)}, idempotent=True)
        return parse_trade_volume(result, pairs, self.names.symbol)

    def _paged(
        self, method: str, key: str, data: Mapping[str, str], limit: int
    ) -> list[tuple[str, Any]]:
        out: dict[str, Any] = {}
        for page in self._pages(method, key, data):
            for ident, raw in page.items():
                # Entries arriving between pages shift offsets; the id keeps each row once.
                out.setdefault(ident, raw)
            if len(out) >= limit:
                break
        return list(out.items())[:limit]

    def _pages(self, method: str, key: str, data: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
        reply = Reply(method)
        offset = 0
        while True:
            result = reply.table(
                self.api.call(method, {**data, "ofs": str(offset)}, idempotent=True)
            )
            page = reply.table(result.get(key, {}), key)
            yield page
            count = reply.amount(result.get("count"), "count") or 0
            offset += len(page)
            if not page or offset >= count:
                return
