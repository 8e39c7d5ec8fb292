"""The one HTTP core of krx: transport, Kraken's envelope, error mapping, retries, pacing.

Spot REST answers HTTP 200 with ``{"error": [...], "result": ...}``; anything else (Cloudflare
520 HTML pages, timeouts, refused connections, non-JSON bodies) means the request never reached
Kraken properly and becomes a :class:`~kraken_cli.errors.NetworkError`. Kraken's own error
strings become the mapped :class:`~kraken_cli.errors.KrxError` (``errors.from_kraken``); an
error is never returned as data.

https://docs.kraken.com/api/docs/guides/spot-rest-intro
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from kraken_cli.client import bounds
from kraken_cli.client.pacing import PublicPacer
from kraken_cli.client.retry import RetryPolicy, jitter, run_with_retry
from kraken_cli.client.transport import (
    ConnectFailure,
    DecodeFailure,
    RawReply,
    StdlibTransport,
    TimeoutFailure,
    Transport,
    TransportFailure,
    proxy_configured,
)
from kraken_cli.errors import (
    ConfigError,
    KrxError,
    NetworkError,
    ProtocolError,
    RateLimitError,
    RequestTimeoutError,
    from_kraken,
)

if TYPE_CHECKING:
    import httpx

USER_AGENT = "krx/0.1 (+https://github.com/krx)"


class RequestCount:
    """Requests this process sent, by outcome (the HTTP status, or ``error``): one IP, one count.

    Kraken's budget is per key and per IP, not per client object, so the count is process-wide;
    ``krx serve`` exports it as a metric.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_outcome: dict[str, int] = {}

    def add(self, outcome: str) -> None:
        """Count one request."""
        with self._lock:
            self._by_outcome[outcome] = self._by_outcome.get(outcome, 0) + 1

    def snapshot(self) -> dict[str, int]:
        """Return the counts so far."""
        with self._lock:
            return dict(self._by_outcome)


SENT = RequestCount()
#: Header and body fields that never appear in a log line.
SECRET_HEADERS = frozenset({"api-key", "api-sign", "authent", "apikey", "authorization"})
SECRET_FIELDS = frozenset({"nonce", "otp"})

Params = Mapping[str, str | int]
Unwrap = Callable[[Any], Any]

_TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


def unwrap_spot(payload: Any) -> Any:
    """Return ``result`` of a spot envelope, or raise the KrxError its ``error`` maps to."""
    if not isinstance(payload, dict) or "error" not in payload:
        raise ProtocolError(
            "Kraken spot REST",
            "not a {error, result} envelope",
            hint="is KRX_REST_URL pointing at a Kraken spot REST server?",
        )
    raw_errors = payload["error"] if payload["error"] is not None else []
    if not isinstance(raw_errors, list) or not all(isinstance(e, str) for e in raw_errors):
        raise ProtocolError("Kraken spot REST", "`error` is not a list of strings")
    # Warnings ("W...") may accompany a good result; only "E..." strings are failures.
    failures = [e for e in raw_errors if not e.startswith("W")]
    if failures:
        raise from_kraken(failures)
    if "result" not in payload:
        raise ProtocolError("Kraken spot REST", "the reply carries neither a result nor an error")
    return payload["result"]


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return ``headers`` with key/signature values masked."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redact_form(text: str) -> str:
    """Return a form/query string with nonce and otp values masked."""
    if not text:
        return text
    pairs = parse_qsl(text, keep_blank_values=True)
    if not pairs:
        return "<body>"
    return urlencode([(k, "***" if k.lower() in SECRET_FIELDS else v) for k, v in pairs])


_HEADER_TEXT = re.compile(r"[ -~]*")


def _check_header_values(headers: Mapping[str, str]) -> None:
    """Refuse header values HTTP cannot carry, naming the header but never its value."""
    for name, value in headers.items():
        if not _HEADER_TEXT.fullmatch(value):
            raise ConfigError(
                f"the {name} header would carry a line break, control or non-ASCII character",
                hint="check the API key and secret were copied whole, as one line of ASCII",
            )


def _scrub_echo(content: bytes, headers: Mapping[str, str]) -> bytes:
    """Mask our own key and signature where a server echoes request headers into its reply."""
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and len(value) >= 8:
            content = content.replace(value.encode(), b"***")
    return content


def _html_title(text: str) -> str | None:
    match = _TITLE.search(text[:4096])
    return " ".join(match.group(1).split()) if match else None


def _transport_for(
    base_url: str, timeout: float, injected: httpx.BaseTransport | None
) -> Transport:
    """Return krx's stdlib transport, or httpx's for a proxy or an injected test transport."""
    headers = {
        "User-Agent": USER_AGENT,
        # krx inflates bodies itself, in bounded steps (a gzip bomb stops at the cap)
        "Accept-Encoding": bounds.ACCEPT_ENCODING,
        "Accept": "*/*",
    }
    if injected is None and not proxy_configured():
        return StdlibTransport(base_url, timeout=timeout, headers=headers)
    from kraken_cli.client.httpx_transport import HttpxTransport

    return HttpxTransport(base_url, timeout=timeout, headers=headers, transport=injected)


class KrakenHttp:
    """Synchronous Kraken REST client with an injectable transport (httpx's, for tests)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        pacer: PublicPacer | None = None,
        debug_log: Callable[[str], None] | None = None,
        rng: Callable[[], float] = jitter,
        wall: Callable[[], float] = time.time,
        url_setting: str = "KRX_REST_URL",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        #: The setting a user changes to point krx elsewhere (named in hints).
        self.url_setting = url_setting
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pacer = pacer if pacer is not None else PublicPacer(1.0, clock=clock, sleep=sleep)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._wall = wall
        self._debug = debug_log
        #: Wall-clock (sent, received) instants of the last completed exchange (clock skew).
        self.last_span: tuple[float, float] | None = None
        #: The HTTP ``Date`` header of the last reply, if any.
        self.last_date: str | None = None
        self._transport = _transport_for(self.base_url, timeout, transport)

    def __enter__(self) -> KrakenHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection(s)."""
        self._transport.close()

    def public(
        self,
        method: str,
        params: Params | None = None,
        *,
        parse_float: Callable[[str], Any] | None = None,
    ) -> Any:
        """GET /0/public/<method>; unwrap the envelope; map errors; retry idempotent failures.

        ``parse_float=Decimal`` keeps JSON numbers such as trade times exact.
        """
        path = f"/0/public/{method}"

        def attempt(_: int) -> Any:
            self.pacer.wait(method)
            return self.send("GET", path, params=params, parse_float=parse_float)

        def on_retry(n: int, delay: float, exc: KrxError) -> None:
            if isinstance(exc, RateLimitError):
                self.pacer.penalize(method, delay)
            self._log(f"retry {n} of {method} in {delay:.2f} s after: {exc.message}")

        return self.with_retry(attempt, on_retry=on_retry)

    def with_retry(
        self,
        attempt_fn: Callable[[int], Any],
        *,
        on_retry: Callable[[int, float, KrxError], None] | None = None,
    ) -> Any:
        """Run ``attempt_fn`` under this client's retry policy, clock and sleep."""

        def log_retry(n: int, delay: float, exc: KrxError) -> None:
            self._log(f"retry {n} in {delay:.2f} s after: {exc.message}")

        return run_with_retry(
            attempt_fn,
            self.retry,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
            wall=self._wall,
            on_retry=on_retry or log_retry,
        )

    def send(
        self,
        verb: str,
        path: str,
        *,
        params: Params | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        unwrap: Unwrap = unwrap_spot,
        ok_statuses: Collection[int] = (200,),
        parse_float: Callable[[str], Any] | None = None,
    ) -> Any:
        """One request, no retry: unwrap the envelope or raise the mapped KrxError."""
        url = f"{self.base_url}{path}"
        response = self.exchange(verb, path, params=params, body=body, headers=headers)
        if response.status_code not in ok_statuses:
            raise self._status_error(verb, url, response)
        return unwrap(bounds.loads(response.content, url, parse_float))

    def exchange(
        self,
        verb: str,
        path: str,
        *,
        params: Params | str | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RawReply:
        """Send one request and return the raw response; map transport failures to KrxErrors.

        ``params`` may be a mapping or an already encoded query string (signed requests must
        send exactly the bytes they signed). Records the exchange's wall-clock span and logs
        it (secrets redacted) for ``--debug``.
        """
        if isinstance(params, str):
            query_text = params
        else:
            query_text = urlencode({k: str(v) for k, v in (params or {}).items()})
        url = f"{self.base_url}{path}"
        shown = url + ("?" + redact_form(query_text) if query_text else "")
        if body:
            shown += f" body={redact_form(body)}"
        req_headers = dict(headers or {})
        _check_header_values(req_headers)
        if body is not None and "content-type" not in {k.lower() for k in req_headers}:
            req_headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        target = path + (f"?{query_text}" if query_text else "")
        t0, w0 = self._clock(), self._wall()
        try:
            response = self._counted(verb, target, body, req_headers)
        # each error's cause is the original failure (the socket's or httpx's), not the wrapper
        except TimeoutFailure as exc:
            self._log(f"{verb} {shown} -> timeout after {self._ms(t0)} ms")
            raise RequestTimeoutError(
                f"{verb} {url} timed out after {self.timeout:g} s",
                hint="Kraken did not answer in time; check the network or raise krx.timeout_s",
            ) from exc.__cause__ or exc
        except ConnectFailure as exc:
            self._log(f"{verb} {shown} -> connect error after {self._ms(t0)} ms")
            raise NetworkError(
                f"cannot connect to {self.base_url}: {exc}",
                hint=f"check the network, proxy and {self.url_setting}",
            ) from exc.__cause__ or exc
        except DecodeFailure as exc:
            raise ProtocolError(url, f"undecodable body ({exc})") from exc.__cause__ or exc
        except TransportFailure as exc:
            self._log(f"{verb} {shown} -> {exc.cause_name} after {self._ms(t0)} ms")
            raise NetworkError(
                f"{verb} {url} failed: {exc.cause_name}: {exc}",
                hint="the connection broke; try again",
            ) from exc.__cause__ or exc
        response = response._replace(content=_scrub_echo(response.content, req_headers))
        self.last_span = (w0, self._wall())
        self.last_date = response.headers.get("date")
        self._log(f"{verb} {shown} -> {response.status_code} in {self._ms(t0)} ms")
        return response

    def _status_error(self, verb: str, url: str, response: RawReply) -> KrxError:
        status = response.status_code
        title = _html_title(response.text) if response.content else None
        what = f"HTTP {status}" + (f" ({title})" if title else "")
        if status == 429:
            return RateLimitError(
                f"{verb} {url}: {what}", hint="Kraken is throttling this IP; slow down"
            )
        err = NetworkError(
            f"{verb} {url}: {what}",
            hint=(
                "Kraken's edge (Cloudflare) could not reach the API; it is usually transient"
                if status >= 500
                else f"the request did not reach Kraken's API; check {self.url_setting}"
            ),
        )
        err.retryable = status >= 500
        return err

    def _counted(
        self, verb: str, target: str, body: str | None, headers: Mapping[str, str]
    ) -> RawReply:
        """Send one request within the timeout and count it in :data:`SENT`."""
        try:
            with bounds.Deadline(self.timeout) as deadline:
                response = self._transport.request(verb, target, body, headers, deadline)
        except Exception:  # transport failures and caps exceeded: sent, but no reply
            SENT.add("error")
            raise
        SENT.add(str(response.status_code))
        return response

    def _ms(self, t0: float) -> int:
        return round((self._clock() - t0) * 1000)

    def _log(self, line: str) -> None:
        if self._debug is not None:
            self._debug(line)
