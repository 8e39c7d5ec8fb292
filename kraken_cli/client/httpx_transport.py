"""The httpx transport behind krx's REST client: for proxies and injected test transports.

krx's default is :mod:`kraken_cli.client.transport` (``http.client``, lighter to import);
httpx takes over where it does more -- it honours ``HTTPS_PROXY`` & co. and ``NO_PROXY`` -- and
where a test injects an ``httpx.MockTransport``. Its transports are bounded the same way: every
socket operation within the request's total deadline, bodies within the size caps.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from kraken_cli.client import bounds
from kraken_cli.client.transport import (
    ConnectFailure,
    DecodeFailure,
    RawReply,
    TimeoutFailure,
    TransportFailure,
    joined_headers,
)

# httpx imports its own command line (click, rich, pygments: ~40 ms) from its __init__, and
# httpcore imports trio when it is installed (~60 ms): stubs in their place make those optional
# imports fail quietly.
_BLOCKED = [name for name in ("httpx._main", "trio") if name not in sys.modules]
for _name in _BLOCKED:
    sys.modules[_name] = None  # type: ignore[assignment]  # None in sys.modules: import fails
try:
    import httpcore
    import httpx
finally:
    for _name in _BLOCKED:
        sys.modules.pop(_name, None)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation honours the request's total deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, bounds.bounded_timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounds.bounded_timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = bounds.bounded_timeout(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with every stream bounded by the request's total deadline."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = bounds.bounded_timeout(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        bounded = bounds.bounded_timeout(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline(transport: object) -> bool:
    """Put :class:`DeadlineBackend` under an ``httpx.HTTPTransport``; False if it has no pool."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or isinstance(backend, DeadlineBackend):
        return False
    pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return True


class HttpxTransport:
    """An ``httpx.Client`` on ``base_url`` (``transport``: an injected httpx transport)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        headers: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = base_url
        self._timeout = timeout
        self._client = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers=dict(headers),
            follow_redirects=False,
        )
        # httpx builds its own transports (honouring HTTPS_PROXY & co.): bound each of them
        for built in [self._client._transport, *self._client._mounts.values()]:
            install_deadline(built)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def request(
        self,
        verb: str,
        target: str,
        body: str | None,
        headers: Mapping[str, str],
        deadline: bounds.Deadline,
    ) -> RawReply:
        """Send one request; read its body within the caps and the deadline; map failures."""
        try:
            with self._client.stream(verb, target, content=body, headers=dict(headers)) as reply:
                return self._read(reply, self.url + target, deadline)
        except httpx.TimeoutException as exc:
            raise TimeoutFailure(exc) from exc
        except httpx.ConnectError as exc:
            raise ConnectFailure(exc) from exc
        except httpx.DecodingError as exc:
            raise DecodeFailure(exc) from exc
        except (httpx.TransportError, httpx.HTTPError) as exc:
            raise TransportFailure(exc) from exc

    def _read(self, streamed: httpx.Response, url: str, deadline: bounds.Deadline) -> RawReply:
        """Read a streamed reply's body within the size caps and the total deadline."""
        chunks: Iterable[bytes] = streamed.iter_raw()
        encoding = streamed.headers.get("content-encoding", "")
        if streamed.is_stream_consumed:  # an in-memory reply (tests): already decoded
            chunks, encoding = [streamed.content], ""
        try:
            content = bounds.read_body(chunks, encoding, url, deadline, self._timeout)
        except httpx.TimeoutException as exc:
            # the headers came, the body did not: a trickle, not worth another attempt
            raise bounds.body_timeout(url, self._timeout) from exc
        return RawReply(
            streamed.status_code, joined_headers(streamed.headers.multi_items()), content
        )
