"""``krx serve``: the platform's Provider API for Kraken over HTTP (thin wrapper over ``serve``).

Server dependencies are imported inside the command so ``krx --help`` stays fast.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

from kraken_cli.cli.common import get_settings
from kraken_cli.cli.markets import archive_lookup, debug_log
from kraken_cli.errors import ConfigError, UsageError


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).", min=0, max=65535)] = 8081,
    certfile: Annotated[
        Path | None, typer.Option(help="TLS certificate (PEM): serve HTTPS.")
    ] = None,
    keyfile: Annotated[
        Path | None, typer.Option(help="TLS private key (PEM), with --certfile.")
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No token (only on a loopback --host).")
    ] = False,
    no_stream: Annotated[
        bool, typer.Option("--no-stream", help="Do not run the config's subscriptions.")
    ] = False,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            envvar="KRX_ARCHIVE",
            help="Archive (`krx archive DIR`) whose trades spot candles read where it covers "
            "the range (default: the user data dir's, for Kraken itself).",
        ),
    ] = None,
) -> None:
    """Serve the platform's Provider API for Kraken (candles, trades, book, symbols, health).

    Every /api route but /api/health/* needs `Authorization: Bearer <token>`; the token is the
    config's provider.apiToken, else $PROVIDER_API_TOKEN. OpenAPI at /openapi.json, a page to
    try it at /docs (works offline).

    \b
    Examples:
      PROVIDER_API_TOKEN=s3cret krx serve
      curl -H "Authorization: Bearer s3cret" \
        localhost:8081/api/candles/kraken/spot/BTCUSDT/h1?days=7
      krx serve --certfile cert.pem --keyfile key.pem     # https://localhost:8081
    """
    if any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "fastapi_offline")):
        raise ConfigError(
            "krx serve needs the 'serve' extra", hint="pip install 'kraken-cli-krx[serve]'"
        )
    if (certfile is None) != (keyfile is None):
        raise UsageError("--certfile and --keyfile go together")
    settings = get_settings(ctx)
    token = settings.api_token
    if token is None and not no_auth:
        raise ConfigError(
            "no Provider API token",
            hint="set PROVIDER_API_TOKEN (or provider.apiToken in the config), or --no-auth "
            "on a loopback host",
        )
    if no_auth and not _is_loopback(host):
        raise UsageError("--no-auth is only allowed on a loopback --host", hint="--host 127.0.0.1")
    from kraken_cli.serve.runner import run

    run(
        settings,
        host=host,
        port=port,
        token=None if no_auth else token,
        certfile=certfile,
        keyfile=keyfile,
        debug_log=debug_log(ctx),
        subscriptions=not no_stream,
        archive_lookup=archive_lookup(archive),
        announce=lambda line: print(line, file=sys.stderr, flush=True),
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
