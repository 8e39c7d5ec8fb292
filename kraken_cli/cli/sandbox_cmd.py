"""``krx sandbox``: run the local fake Kraken in the foreground (thin wrapper over the package).

Server dependencies are imported inside the command so ``krx --help`` stays fast.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from kraken_cli.cli import validate
from kraken_cli.errors import ConfigError, UsageError

_PERMS = (
    "query-funds,query-open-trades,query-closed-trades,query-ledger,modify-trades,cancel-trades,"
    "create-ws-token"
)


def register(app: typer.Typer) -> None:
    """Add the ``sandbox`` command to ``app``."""
    app.command("sandbox")(sandbox)


def sandbox(
    host: Annotated[str, typer.Option(help="Bind address (loopback unless --allow-remote).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 0,
    seed: Annotated[int, typer.Option(help="Market seed: same seed, same market.")] = 1,
    state_file: Annotated[
        Path | None, typer.Option(help="State file (default $KRX_SANDBOX_STATE or user state dir).")
    ] = None,
    key: Annotated[str | None, typer.Option(help="Fixed API key (with --secret).")] = None,
    secret: Annotated[str | None, typer.Option(help="Fixed API secret (base64).")] = None,
    permissions: Annotated[str, typer.Option(help="Comma list of key permissions.")] = _PERMS,
    tier: Annotated[
        str, typer.Option(help="starter | intermediate | pro | custom:MAX:DECAY_PER_S")
    ] = "intermediate",
    history_days: Annotated[
        float, typer.Option(help="Days of trade history.", callback=validate.sandbox_days)
    ] = 8.0,
    trade_interval: Annotated[
        float, typer.Option(help="Mean seconds between history trades.", callback=validate.seconds)
    ] = (20.0),
    live_rate: Annotated[
        float,
        typer.Option(
            help="Live trades per second per pair (0: none).", callback=validate.non_negative
        ),
    ] = (2.0),
    book_rate: Annotated[
        float,
        typer.Option(help="Book updates per second per pair.", callback=validate.non_negative),
    ] = 5.0,
    idle_timeout: Annotated[
        float, typer.Option(help="Close idle WS connections after S s.", callback=validate.seconds)
    ] = (60.0),
    allow_remote: Annotated[bool, typer.Option(help="Allow a non-loopback --host.")] = False,
    drop_every: Annotated[int, typer.Option(help="Cut WS connections every N data messages.")] = 0,
    drop_random: Annotated[
        float,
        typer.Option(
            help="Cut WS after a data message with prob P.", callback=validate.probability
        ),
    ] = (0.0),
    corrupt_checksum_every: Annotated[
        int, typer.Option(help="Wrong BTC/USD book checksum every N book messages.")
    ] = 0,
    delay_ms: Annotated[int, typer.Option(help="Delay every REST reply.")] = 0,
    http_error: Annotated[
        str | None, typer.Option(help="CODE:COUNT - answer the next COUNT REST calls with 5xx.")
    ] = None,
    service_unavailable: Annotated[
        int, typer.Option(help="Answer the next COUNT REST calls with EService:Unavailable.")
    ] = 0,
    skew_seconds: Annotated[
        float, typer.Option(help="Server clock offset.", callback=validate.any_finite)
    ] = 0.0,
    stall_after: Annotated[int, typer.Option(help="Go silent on a WS after N messages.")] = 0,
    system_status: Annotated[
        str, typer.Option(help="online | maintenance | cancel_only | post_only | limit_only")
    ] = "online",
    pairs: Annotated[
        int, typer.Option(min=0, max=10_000, help="List N spot pairs (synthetic S0001/USD ...).")
    ] = 0,
    ws_sub_rate: Annotated[
        float,
        typer.Option(
            help="WS symbol subscriptions per s per connection (0: no limit).",
            callback=validate.non_negative,
        ),
    ] = 30.0,
    ws_sub_burst: Annotated[
        float, typer.Option(help="WS subscription burst.", callback=validate.non_negative)
    ] = 60.0,
    ws_connect_limit: Annotated[
        int, typer.Option(min=0, help="WS connects per rolling 10 min (0: no limit).")
    ] = 0,
) -> None:
    """Run a protocol-faithful fake Kraken (REST + WebSocket v2) on loopback.

    It prints its URLs and API key when ready and writes a state file, so that
    `krx --sandbox ...` in another shell finds it. Ctrl-C stops it.

    \b
    Examples:
      krx sandbox --port 0                       # pick a free port
      krx sandbox --seed 7 --drop-every 200      # same market, WS dropped every 200 messages
      krx sandbox --permissions query-funds      # a restricted key, to try `krx verify`
      krx sandbox --pairs 1500 --ws-connect-limit 150   # a Kraken-sized market and its limits
    """
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        raise ConfigError(
            "the sandbox needs the 'sandbox' extra",
            hint="pip install 'kraken-cli-krx[sandbox]' or make install",
        )
    from kraken_cli.sandbox.options import Options, fault_spec, parse_permissions
    from kraken_cli.sandbox.server import run

    if (key is None) != (secret is None):
        raise UsageError("--key and --secret go together")
    try:
        options = Options(
            host=host,
            port=port,
            seed=seed,
            state_file=state_file,
            key=key,
            secret=secret,
            permissions=parse_permissions(permissions),
            tier=tier,
            history_days=history_days,
            trade_interval=trade_interval,
            live_rate=live_rate,
            book_rate=book_rate,
            idle_timeout=idle_timeout,
            allow_remote=allow_remote,
            pairs=pairs,
            ws_sub_rate=ws_sub_rate,
            ws_sub_burst=ws_sub_burst,
            ws_connect_limit=ws_connect_limit,
            faults=fault_spec(
                drop_every,
                drop_random,
                corrupt_checksum_every,
                delay_ms,
                http_error,
                service_unavailable,
                skew_seconds,
                stall_after,
                system_status,
            ),
        )
        run(options)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
