"""krx's default REST transport: HTTP/1.1 over the standard library's ``http.client``.

A one-shot command pays for every import: httpx and httpcore cost about as much as all of
typer, and ``httpx.Client()`` builds a TLS context even for ``http://``. This transport keeps
one keep-alive connection per client, builds the TLS context only for the first ``https``
connection, and bounds every socket operation (connect, each send and receive) by the request's
total deadline (:mod:`kraken_cli.client.bounds`). httpx stays behind the same interface for what
this does not do -- proxies from the environment, injected test transports
(:mod:`kraken_cli.client.httpx_transport`).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from kraken_cli.client import bounds

if TYPE_CHECKING:
    # imported on the first connection: a command answered from local caches (cached candles)
    # never loads http.client, its email parser, socket and ssl
    import http.client
    import socket
    import ssl

#: Longest wait for a TCP connection (and TLS handshake), within the request's timeout.
CONNECT_TIMEOUT_S = 10.0
_READ_SIZE = 64 * 1024
#: Environment variables through which a user routes HTTP via a proxy (httpx honours them).
PROXY_VARIABLES = ("https_proxy", "http_proxy", "all_proxy")


class TransportFailure(Exception):
    """A request that did not complete at the transport level (named after its cause)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause) or type(cause).__name__)
        #: The class name of the underlying failure, for messages (``ReadError``, ...).
        self.cause_name = type(cause).__name__


class ConnectFailure(TransportFailure):
    """No connection could be made (refused, unresolvable, TLS handshake failed)."""


class TimeoutFailure(TransportFailure):
    """The request did not get its reply headers in time."""


class DecodeFailure(TransportFailure):
    """The reply body could not be decoded."""


class RawReply(NamedTuple):
    """One HTTP reply, body read whole (within the caps) and inflated.

    A NamedTuple, not a dataclass: about a tenth of the cost to create (start-up, issue 17).
    """

    status_code: int
    #: Header values by lower-case name (repeated headers joined with ", ").
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        """Return the body as text (undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")


class Transport(Protocol):
    """Send one request and return its reply; raise TransportFailure or a KrxError."""

    def request(
        self,
        verb: str,
        target: str,
        body: str | None,
        headers: Mapping[str, str],
        deadline: bounds.Deadline,
    ) -> RawReply:
        """Send ``verb target`` (path and query) within ``deadline``."""
        ...

    def close(self) -> None:
        """Release the connection(s)."""
        ...


def proxy_configured(environ: Mapping[str, str] = os.environ) -> bool:
    """Tell whether the environment routes HTTP through a proxy (then krx uses httpx)."""
    return any(environ.get(name) or environ.get(name.upper()) for name in PROXY_VARIABLES)


def joined_headers(items: list[tuple[str, str]]) -> dict[str, str]:
    """Return header ``items`` by lower-case name, repeated values joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class StdlibTransport:
    """Keep-alive ``http.client`` connections to ``base_url`` (TLS context built lazily).

    Threads may share one (``krx serve`` does): a request takes an idle connection or opens a
    new one, and gives it back once its reply has been read whole.
    """

    def __init__(self, base_url: str, *, timeout: float, headers: Mapping[str, str]) -> None:
        parts = urlsplit(base_url)
        self.url = base_url
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._headers = dict(headers)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the idle connections (a later request opens a new one)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def request(
        self,
        verb: str,
        target: str,
        body: str | None,
        headers: Mapping[str, str],
        deadline: bounds.Deadline,
    ) -> RawReply:
        """Send one request; read its body within the size caps and the total deadline."""
        import http.client

        sent = {**self._headers, **headers}
        payload = body.encode() if body is not None else None
        conn, response = self._send(verb, self._prefix + target, payload, sent)
        url = self.url + target
        try:
            encoding = response.getheader("content-encoding") or ""
            content = bounds.read_body(_chunks(response), encoding, url, deadline, self._timeout)
        except TimeoutError as exc:
            conn.close()
            raise bounds.body_timeout(url, self._timeout) from exc
        except (http.client.HTTPException, OSError) as exc:
            conn.close()
            raise TransportFailure(exc) from exc
        except BaseException:
            conn.close()  # the rest of an unread body would poison the next request
            raise
        if getattr(response, "will_close", True) or conn.sock is None:
            conn.close()
        else:
            with self._lock:
                self._idle.append(conn)
        return RawReply(response.status, joined_headers(response.getheaders()), content)

    def _send(
        self,
        verb: str,
        path: str,
        payload: bytes | None,
        headers: Mapping[str, str],
        *,
        fresh: bool = False,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        import http.client

        idle = None
        if not fresh:
            with self._lock:
                idle = self._idle.pop() if self._idle else None
        conn = idle or self._connect()
        try:
            conn.request(verb, path, body=payload, headers=dict(headers))
            return conn, conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            conn.close()
            if idle is not None:  # the server dropped the idle keep-alive connection: reopen
                return self._send(verb, path, payload, headers, fresh=True)
            raise TransportFailure(exc) from exc
        except TimeoutError as exc:
            conn.close()
            raise TimeoutFailure(exc) from exc
        except (http.client.HTTPException, OSError) as exc:
            conn.close()
            raise TransportFailure(exc) from exc

    def _connect(self) -> http.client.HTTPConnection:
        import http.client
        import socket

        timeout = bounds.bounded_timeout(min(self._timeout, CONNECT_TIMEOUT_S), TimeoutError)
        # looked up per connection, not subclassed: a test recorder (vcrpy) patches these
        conn: http.client.HTTPConnection
        if self._scheme == "https":
            context = tls_context()
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=context
            )
        elif self._scheme == "http":
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        else:
            raise ConnectFailure(ValueError(f"unsupported URL scheme {self._scheme!r}"))
        try:
            conn.connect()
        except TimeoutError as exc:
            conn.close()
            raise TimeoutFailure(exc) from exc
        except OSError as exc:  # refused, unresolvable, TLS (ssl.SSLError is an OSError)
            conn.close()
            raise ConnectFailure(exc) from exc
        if isinstance(conn.sock, socket.socket):
            conn.sock = _DeadlineSocket(conn.sock, self._timeout)
        return conn


def _chunks(response: http.client.HTTPResponse) -> Iterator[bytes]:
    import http.client

    while chunk := response.read(_READ_SIZE):
        yield chunk
    if response.length:  # read(n) returns b"" at a premature end instead of raising
        raise http.client.IncompleteRead(b"", response.length)


class _DeadlineReader(io.RawIOBase):
    """The receiving side of a socket, each receive bounded by the request's deadline."""

    def __init__(self, owner: _DeadlineSocket) -> None:
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        sock = self._owner.sock
        sock.settimeout(bounds.bounded_timeout(self._owner.timeout, TimeoutError))
        return sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._owner.release()
        super().close()


class _DeadlineSocket:
    """A connected socket whose sends and receives honour the request's total deadline.

    Like a socket's own ``makefile``, a reader keeps the socket open after ``close()`` until
    it is closed too: http.client hands a ``Connection: close`` reply's socket to the reply.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.timeout = timeout
        self._readers = 0
        self._closing = False

    def sendall(self, data: bytes) -> None:
        self.sock.settimeout(bounds.bounded_timeout(self.timeout, TimeoutError))
        self.sock.sendall(data)

    def makefile(self, mode: str = "rb", *_args: Any, **_kwargs: Any) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_DeadlineReader(self))

    def release(self) -> None:
        self._readers -= 1
        if self._closing and self._readers <= 0:
            self.sock.close()

    def close(self) -> None:
        self._closing = True
        if self._readers <= 0:
            self.sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


_TLS: list[ssl.SSLContext] = []


def tls_context() -> ssl.SSLContext:
    """Return the process's TLS context (built on first use): system CAs, else certifi's."""
    if not _TLS:
        import ssl

        context = ssl.create_default_context()
        capath = ssl.get_default_verify_paths().capath
        hashed_dir = bool(capath and os.path.isdir(capath) and os.listdir(capath))
        if not context.cert_store_stats()["x509_ca"] and not hashed_dir:
            _load_certifi(context)
        _TLS.append(context)
    return _TLS[0]


def _load_certifi(context: ssl.SSLContext) -> None:
    """Use certifi's bundle where the system has none (httpx always uses it)."""
    try:
        import certifi
    except ImportError:
        return
    context.load_verify_locations(certifi.where())
