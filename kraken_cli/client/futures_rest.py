"""Kraken Futures REST client: ``Authent`` signing, the futures envelope, errors.

Futures is a separate platform (PROTOCOL §7): host ``futures.kraken.com``, paths under
``/derivatives/api/v3``, its own keys and its envelope ``{"result": "success"|"error", ...,
"serverTime"}`` with two error shapes (``error: "<word>"`` and ``errors: [{code, message}]``).
Bodies carry prices as JSON numbers, so this client parses replies itself with
``parse_float=str`` (``KrakenHttp.send`` parses to float); it reuses the shared retry policy and
log redaction of :mod:`kraken_cli.client.http`.

https://docs.kraken.com/api/docs/guides/futures-rest
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from kraken_cli.client.futures_budget import COSTS, FILLS_SINCE_COST, FuturesBudget
from kraken_cli.client.futures_errors import charts_error, status_error, unwrap_futures
from kraken_cli.client.http import KrakenHttp
from kraken_cli.client.nonce import MsNonce
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy, jitter, run_with_retry
from kraken_cli.client.transport import RawReply
from kraken_cli.config.settings import Credentials
from kraken_cli.errors import AuthError, KrxError, ProtocolError
from kraken_cli.models.futures import loads
from kraken_cli.models.reply import Reply
from kraken_cli.protocol.signing import futures_signature

V3 = "/derivatives/api/v3"
CHARTS = "/api/charts/v1"
DOCS = "https://docs.kraken.com/api/docs/futures-api"

#: Resolutions the charts API serves (§7.4).
RESOLUTIONS = ("1m", "5m", "15m", "30m", "1h", "4h", "12h", "1d", "1w")

Params = Mapping[str, str | int]

if TYPE_CHECKING:
    import httpx

    from kraken_cli.client.nonce import NonceSource


class FuturesRest:
    """Synchronous Kraken Futures REST client with an injectable transport (httpx's, for tests)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        budget: FuturesBudget | None = None,
        nonce: Callable[[], int] | None = None,
        nonces: NonceSource | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
        rng: Callable[[], float] = jitter,
        debug_log: Callable[[str], None] | None = None,
        no_credentials: KrxError | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        #: Raised by a private call when there is no key (default: a generic AuthError).
        self.no_credentials = no_credentials
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.budget = budget or FuturesBudget(clock=clock, sleep=sleep)
        self.nonce = nonce or MsNonce(wall)
        #: The persisted cross-process per-key nonce (``client.nonce``); when set it wins over
        #: ``nonce`` and its lock is held until Kraken answered, so calls on one key from
        #: several krx processes reach Kraken in nonce order.
        self.nonces = nonces
        self._clock, self._sleep, self._wall, self._rng = clock, sleep, wall, rng
        self._debug = debug_log
        #: ``serverTime`` of the last envelope and the wall-clock span of that exchange.
        self.last_server_time: str | None = None
        self.last_span: tuple[float, float] | None = None
        # One HTTP core for both platforms: transport errors, timing and redacted logging.
        self.http = KrakenHttp(
            self.base_url,
            transport=transport,
            timeout=timeout,
            retry=self.retry,
            clock=clock,
            sleep=sleep,
            pacer=PublicPacer(0),
            debug_log=debug_log,
            rng=rng,
            wall=wall,
            url_setting="KRX_FUTURES_URL",
        )

    def __enter__(self) -> FuturesRest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    # -- transport ---------------------------------------------------------------------------
    def _exchange(
        self, verb: str, path: str, query: str, body: str | None, headers: Mapping[str, str]
    ) -> RawReply:
        response = self.http.exchange(verb, path, params=query or None, body=body, headers=headers)
        self.last_span = self.http.last_span
        return response

    def _envelope(self, response: RawReply) -> dict[str, Any]:
        try:
            payload = loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise status_error(response.status_code, response.text) from exc
        if not isinstance(payload, dict):
            raise status_error(response.status_code, response.text)
        if isinstance(payload.get("serverTime"), str):
            self.last_server_time = payload["serverTime"]
        if response.status_code == 429 and payload.get("result") != "error":
            raise status_error(429, response.text)
        return unwrap_futures(payload, response.status_code)

    def _call(self, attempt_fn: Callable[[int], dict[str, Any]], retry: bool) -> dict[str, Any]:
        if not retry:
            return attempt_fn(1)

        def on_retry(n: int, delay: float, exc: KrxError) -> None:
            self._log(f"retry {n} in {delay:.2f} s after: {exc.message}")

        return run_with_retry(
            attempt_fn,
            self.retry,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
            wall=self._wall,
            on_retry=on_retry,
        )

    def public(self, endpoint: str, params: Params | None = None) -> dict[str, Any]:
        """GET a public v3 endpoint (no cost in the budget); unwrap; retry transient failures."""
        query = urlencode({k: str(v) for k, v in (params or {}).items()})
        path = f"{V3}/{endpoint}"
        return self._call(
            lambda _: self._envelope(self._exchange("GET", path, query, None, {})), True
        )

    def private(
        self,
        verb: str,
        endpoint: str,
        params: Params | None = None,
        *,
        idempotent: bool,
        cost: float | None = None,
    ) -> dict[str, Any]:
        """Sign (fresh nonce per attempt) and send a private v3 call; only GETs are retried."""
        creds = self.credentials
        if creds is None and self.no_credentials is not None:
            raise self.no_credentials
        if creds is None:
            raise AuthError(
                "no Kraken Futures API key configured",
                hint="set KRAKEN_FUTURES_API_KEY and KRAKEN_FUTURES_API_SECRET (keys are made "
                "in the Futures UI; spot keys do not work there) or add them to the config",
            )
        data = urlencode({k: str(v) for k, v in (params or {}).items()})
        path = f"{V3}/{endpoint}"
        spend = COSTS.get(endpoint, 1) if cost is None else cost

        def attempt(_: int) -> dict[str, Any]:
            self.budget.spend(spend)
            with self._nonce_slot() as nonce:
                headers = {
                    "APIKey": creds.key,
                    "Nonce": nonce,
                    "Authent": futures_signature(creds.secret, path, data, nonce),
                }
                if verb == "GET":
                    response = self._exchange("GET", path, data, None, headers)
                else:
                    response = self._exchange(verb, path, "", data, headers)
            try:
                return self._envelope(response)
            except KrxError as exc:
                if exc.kraken and exc.kraken[0] == "apiLimitExceeded":
                    self.budget.penalize()
                raise

        return self._call(attempt, idempotent)

    @contextlib.contextmanager
    def _nonce_slot(self) -> Iterator[str]:
        """Yield a fresh nonce; with a persisted source, hold its key lock for the exchange."""
        if self.nonces is None:
            yield str(self.nonce())
            return
        with self.nonces.reserve() as state:
            yield str(state.nonce)

    def _log(self, line: str) -> None:
        if self._debug is not None:
            self._debug(line)

    # -- public endpoints --------------------------------------------------------------------
    def instruments(self) -> list[dict[str, Any]]:
        """List every futures instrument.

        https://docs.kraken.com/api/docs/futures-api/trading/get-instruments
        """
        return _market_rows(self.public("instruments"), "instruments")

    def tickers(self) -> list[dict[str, Any]]:
        """Return the tickers of every instrument, index and reference rate.

        https://docs.kraken.com/api/docs/futures-api/trading/get-tickers
        """
        return _market_rows(self.public("tickers"), "tickers")

    def orderbook(self, symbol: str) -> dict[str, Any]:
        """Return ``{"bids": [[price, size], ...], "asks": [...]}`` for one contract.

        https://docs.kraken.com/api/docs/futures-api/trading/get-orderbook
        """
        book = self.public("orderbook", {"symbol": symbol}).get("orderBook")
        if not isinstance(book, dict):
            raise ProtocolError("orderbook", "orderBook is not an object")
        return book

    def history(self, symbol: str, last_time: str | None = None) -> list[dict[str, Any]]:
        """Return up to 100 public trades, newest first, before ``last_time`` (ISO).

        https://docs.kraken.com/api/docs/futures-api/trading/get-history
        """
        params: dict[str, str] = {"symbol": symbol}
        if last_time:
            params["lastTime"] = last_time
        return _market_rows(self.public("history", params), "history")

    def charts(
        self, tick_type: str, symbol: str, resolution: str, from_s: int, to_s: int
    ) -> dict[str, Any]:
        """Return one page ``{"candles": [...], "more_candles": bool}`` of the charts API.

        https://docs.kraken.com/api/docs/futures-api/charts/candles
        """
        path = f"{CHARTS}/{tick_type}/{symbol}/{resolution}"
        query = urlencode({"from": from_s, "to": to_s})

        def attempt(_: int) -> dict[str, Any]:
            response = self._exchange("GET", path, query, None, {})
            if response.status_code == 200:
                try:
                    payload = loads(response.content)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise status_error(200, response.text) from exc
                if isinstance(payload, dict) and "candles" in payload:
                    return payload
            raise charts_error(response.status_code, response.text, path)

        return self._call(attempt, True)

    # -- private endpoints -------------------------------------------------------------------
    def accounts(self) -> dict[str, Any]:
        """Return every account (cash, margin, flex) with balances and margin figures.

        https://docs.kraken.com/api/docs/futures-api/trading/get-accounts
        """
        reply = self.private("GET", "accounts", idempotent=True)
        return dict(Reply("accounts").table(reply.get("accounts", {}), "accounts"))

    def openpositions(self) -> list[dict[str, Any]]:
        """Return the open positions.

        https://docs.kraken.com/api/docs/futures-api/trading/get-open-positions
        """
        reply = self.private("GET", "openpositions", idempotent=True)
        return _rows("openpositions", reply, "openPositions")

    def openorders(self) -> list[dict[str, Any]]:
        """Return the open orders.

        https://docs.kraken.com/api/docs/futures-api/trading/get-open-orders
        """
        reply = self.private("GET", "openorders", idempotent=True)
        return _rows("openorders", reply, "openOrders")

    def fills(self, last_fill_time: str | None = None) -> list[dict[str, Any]]:
        """Return recent fills (100 max), before ``last_fill_time`` when given.

        https://docs.kraken.com/api/docs/futures-api/trading/get-fills
        """
        params = {"lastFillTime": last_fill_time} if last_fill_time else None
        cost = FILLS_SINCE_COST if last_fill_time else COSTS["fills"]
        reply = self.private("GET", "fills", params, idempotent=True, cost=cost)
        return _rows("fills", reply, "fills")

    def sendorder(self, params: Params) -> dict[str, Any]:
        """Place an order (never retried); return ``sendStatus``.

        https://docs.kraken.com/api/docs/futures-api/trading/send-order
        """
        reply = self.private("POST", "sendorder", params, idempotent=False)
        return _status("sendorder", reply, "sendStatus")

    def editorder(self, params: Params) -> dict[str, Any]:
        """Edit an open order (``orderId`` or ``cliOrdId``); return ``editStatus``.

        https://docs.kraken.com/api/docs/futures-api/trading/edit-order-spring
        """
        reply = self.private("POST", "editorder", params, idempotent=False)
        return _status("editorder", reply, "editStatus")

    def cancelorder(
        self, order_id: str | None = None, cli_ord_id: str | None = None
    ) -> dict[str, Any]:
        """Cancel one order by ``order_id`` or ``cliOrdId``; return ``cancelStatus``.

        https://docs.kraken.com/api/docs/futures-api/trading/cancel-order
        """
        params = {"order_id": order_id} if order_id else {"cliOrdId": cli_ord_id or ""}
        reply = self.private("POST", "cancelorder", params, idempotent=False)
        return _status("cancelorder", reply, "cancelStatus")

    def cancelallorders(self, symbol: str | None = None) -> dict[str, Any]:
        """Cancel all open orders (of one symbol when given); return ``cancelStatus``.

        https://docs.kraken.com/api/docs/futures-api/trading/cancel-all-orders
        """
        params = {"symbol": symbol} if symbol else None
        reply = self.private("POST", "cancelallorders", params, idempotent=False)
        return _status("cancelallorders", {"cancelStatus": {}} | reply, "cancelStatus")


def _rows(endpoint: str, reply: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """Return the reply's list of objects under ``key`` (absent: none), else ProtocolError."""
    return [dict(row) for row in Reply(endpoint).entries(reply.get(key, []), key)]


def _status(endpoint: str, reply: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return the reply's status object under ``key``, else ProtocolError."""
    return dict(Reply(endpoint).table(reply.get(key), key))


def _market_rows(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = payload.get(key)
    if not isinstance(rows, list):
        raise ProtocolError(key, f"{key!r} is {type(rows).__name__}, not a list")
    return rows
