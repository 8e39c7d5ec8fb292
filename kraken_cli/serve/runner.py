"""Run the Provider API on uvicorn until SIGINT/SIGTERM, then close the services (exit 0)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kraken_cli.config.settings import Settings
from kraken_cli.errors import UsageError
from kraken_cli.serve.app import create_app
from kraken_cli.serve.live import LiveState, keep_live
from kraken_cli.serve.sources import Sources
from kraken_cli.serve.state import ServeState

if TYPE_CHECKING:
    from kraken_cli.services.history.archived_trades import ArchiveLookup

#: Idle keep-alive connections stay open this long (clients' pools reuse them; uvicorn's 5 s
#: default closes them just as a client sends, giving ECONNRESET).
KEEP_ALIVE_S = 75
#: A request whose Kraken call would wait longer than this for the public budget gets 429 +
#: Retry-After instead of queueing (many clients must never multiply Kraken's load).
MAX_PACING_WAIT_S = 5.0


def run(
    settings: Settings,
    *,
    host: str,
    port: int,
    token: str | None,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    debug_log: Callable[[str], None] | None = None,
    announce: Callable[[str], None] | None = None,
    subscriptions: bool = True,
    archive_lookup: ArchiveLookup | None = None,
) -> None:
    """Serve until interrupted; the services' connections are closed on the way out."""
    import uvicorn

    patient = replace(settings.krx, max_pacing_wait_s=MAX_PACING_WAIT_S)
    sources = Sources(
        replace(settings, krx=patient), debug_log=debug_log, archive_lookup=archive_lookup
    )
    state = ServeState(sources, token, access_log=_stderr_line)
    stop = threading.Event()
    if subscriptions and any(s.active for s in settings.subscriptions):
        state.live = LiveState()
        keep_live(sources.run_subscriptions, state.live, stop, on_error=_stream_failed)
    app = create_app(state)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        timeout_keep_alive=KEEP_ALIVE_S,
        access_log=False,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    scheme = "https" if certfile else "http"
    try:
        config.load()  # builds the TLS context: a bad certificate fails here, not later
        sock = config.bind_socket()
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    except (ValueError, FileNotFoundError) as exc:  # unreadable certificate or key
        raise UsageError(f"cannot start HTTPS: {exc}") from exc
    bound = sock.getsockname()[1]
    if announce:
        announce(f"krx serve ready on {scheme}://{host}:{bound} (docs: /docs)")
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        sources.close()


def _stream_failed(error: BaseException) -> None:
    message = getattr(error, "message", type(error).__name__)
    _stderr_line(f"krx serve: subscriptions stopped ({message}); restarting")


def _stderr_line(line: str) -> None:
    sys.stderr.write(line + "\n")
