"""Account queries: balances, orders, trades, ledger, positions (paged where Kraken pages).

Also builds the private client from Settings (``open_private``), which trading and verify share.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_cli.client.spot_private import SpotPrivate
from kraken_cli.errors import ConfigError, KrakenError, KrxError
from kraken_cli.models.account import (
    AccountTrade,
    Balance,
    LedgerEntry,
    Names,
    Order,
    Position,
    parse_balance_ex,
    parse_ledger,
    parse_orders,
    parse_positions,
    parse_trade_balance,
    parse_trades,
)

if TYPE_CHECKING:
    import httpx

    from kraken_cli.config.settings import Settings
    from kraken_cli.models.symbols import SymbolIndex

#: Kraken's page size for ClosedOrders, TradesHistory and Ledgers.
PAGE = 50


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

    creds = settings.spot
    if creds is None or not creds.key.strip() or not creds.secret.strip():
        raise ConfigError(
            "no spot API key configured",
            hint="set KRAKEN_API_KEY and KRAKEN_API_SECRET, or the credentials in the config "
            "file (`krx config init`); `krx --sandbox ...` uses the sandbox's own key",
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
        RateLimiter(tier_for(opts)),
        otp=otp or os.environ.get("KRX_OTP") or None,
    )


def names_from_index(index: SymbolIndex | None) -> Names:
    """Return a Names map backed by the symbol index (identity-ish when there is none)."""
    if index is None:
        return Names()

    def pair_lookup(name: str) -> str | None:
        pair = index.lookup(name)
        return pair.symbol if pair else None

    return Names(asset_lookup=index.asset_code, pair_lookup=pair_lookup)


@dataclass(frozen=True)
class Window:
    """Optional time window and row limit for the paged history calls."""

    start: int | None = None
    end: int | None = None
    limit: int = PAGE

    def params(self) -> dict[str, str]:
        """Return Kraken's ``start``/``end`` body fields (unix seconds)."""
        out = {}
        if self.start is not None:
            out["start"] = str(self.start)
        if self.end is not None:
            out["end"] = str(self.end)
        return out


def window(since: str | None, until: str | None, limit: int = PAGE) -> Window:
    """Parse ``--since``/``--until`` (ISO, unix, or an age) into a Window of unix seconds."""
    from kraken_cli.models.times import check_range, parse_time

    first = parse_time(since) if since else None
    last = parse_time(until) if until else None
    check_range(first, last)
    return Window(
        int(first.timestamp()) if first else None, int(last.timestamp()) if last else None, limit
    )


def load_names(settings: Settings, debug_log: Callable[[str], None] | None = None) -> Names:
    """Return asset/pair name mapping from the symbol cache; raw Kraken names if unavailable."""
    from kraken_cli.services.market.spot import MarketService

    try:
        market = MarketService.from_settings(settings, debug_log=debug_log)
        try:
            return names_from_index(market.resolver.index())
        finally:
            market.close()
    except KrxError:
        return Names()


class AccountService:
    """Read-only account queries over one SpotPrivate client."""

    def __init__(self, api: SpotPrivate, names: Names | None = None) -> None:
        self.api = api
        self.names = names or Names()

    def balances(self) -> list[Balance]:
        """Return balances with holds (BalanceEx; plain Balance where BalanceEx is unknown).

        https://docs.kraken.com/api/docs/rest-api/get-extended-balance
        """
        try:
            result = self.api.call("BalanceEx", idempotent=True)
        except KrakenError as exc:
            if not any(e.startswith("EGeneral:Unknown method") for e in exc.kraken):
                raise
            # https://docs.kraken.com/api/docs/rest-api/get-account-balance
            result = self.api.call("Balance", idempotent=True)
        return parse_balance_ex(result, self.names)

    def trade_balance(self, asset: str = "ZUSD") -> dict[str, Any]:
        """Return the margin summary in ``asset``.

        https://docs.kraken.com/api/docs/rest-api/get-trade-balance
        """
        result = self.api.call("TradeBalance", {"asset": asset}, idempotent=True)
        return parse_trade_balance(result, self.names.asset(asset))

    def open_orders(self, cl_ord_id: str | None = None) -> list[Order]:
        """Return open orders, optionally the one with a client order id.

        https://docs.kraken.com/api/docs/rest-api/get-open-orders
        """
        data = {"cl_ord_id": cl_ord_id} if cl_ord_id else {}
        result = self.api.call("OpenOrders", data, idempotent=True)
        orders = parse_orders(result.get("open") or {}, self.names)
        return [o for o in orders if cl_ord_id is None or o.cl_ord_id == cl_ord_id]

    def closed_orders(
        self, window: Window | None = None, cl_ord_id: str | None = None
    ) -> list[Order]:
        """Return closed orders, newest first, paging 50 at a time up to ``window.limit``.

        https://docs.kraken.com/api/docs/rest-api/get-closed-orders
        """
        window = window or Window()
        data = window.params() | ({"cl_ord_id": cl_ord_id} if cl_ord_id else {})
        rows = self._paged("ClosedOrders", "closed", data, window.limit)
        orders = parse_orders(dict(rows), self.names)
        return [o for o in orders if cl_ord_id is None or o.cl_ord_id == cl_ord_id]

    def trades(self, window: Window | None = None) -> list[AccountTrade]:
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

    def positions(self) -> list[Position]:
        """Return open margin positions.

        https://docs.kraken.com/api/docs/rest-api/get-open-positions
        """
        result = self.api.call("OpenPositions", {"docalcs": "true"}, idempotent=True)
        return parse_positions(result, self.names)

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

    def _pages(self, method: str, key: str, data: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            result = self.api.call(method, {**data, "ofs": str(offset)}, idempotent=True)
            page = result.get(key) or {}
            yield page
            count = int(result.get("count") or 0)
            offset += len(page)
            if not page or offset >= count:
                return
