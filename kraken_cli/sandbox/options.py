"""Sandbox options, shared by ``python -m kraken_cli.sandbox`` and ``krx sandbox``."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from kraken_cli.sandbox.accounts import ALL_PERMISSIONS

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass
class Options:
    """Everything the sandbox needs to start."""

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    state_file: Path | None = None
    key: str | None = None
    secret: str | None = None
    permissions: list[str] = field(default_factory=lambda: list(ALL_PERMISSIONS))
    tier: str = "intermediate"
    history_days: float = 8.0
    trade_interval: float = 20.0
    live_rate: float = 2.0
    book_rate: float = 5.0
    idle_timeout: float = 60.0
    allow_remote: bool = False
    faults: dict[str, object] = field(default_factory=dict)
    #: list this many spot pairs (synthetic ones beyond the built-in catalogue; 0: built-in only)
    pairs: int = 0
    #: WS subscription limit per connection: symbols per second and burst (ws_limits.py)
    ws_sub_rate: float = 30.0
    ws_sub_burst: float = 60.0
    #: WS connection attempts per rolling 10 minutes (0: unlimited)
    ws_connect_limit: int = 0


def parse_permissions(text: str) -> list[str]:
    """Parse a comma list of permission names, rejecting unknown ones."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in ALL_PERMISSIONS]
    if unknown:
        raise ValueError(
            f"unknown permission(s) {', '.join(unknown)}; known: " + ", ".join(ALL_PERMISSIONS)
        )
    return names


def fault_spec(
    drop_every: int = 0,
    drop_random: float = 0.0,
    corrupt_checksum_every: int = 0,
    delay_ms: int = 0,
    http_error: str | None = None,
    service_unavailable: int = 0,
    skew_seconds: float = 0.0,
    stall_after: int = 0,
    system_status: str = "online",
) -> dict[str, object]:
    """Turn CLI fault options into the control endpoint's JSON shape."""
    spec: dict[str, object] = {}
    if drop_every:
        spec["drop_every"] = drop_every
    if drop_random:
        spec["drop_random"] = drop_random
    if corrupt_checksum_every:
        spec["corrupt_checksum_every"] = corrupt_checksum_every
    if delay_ms:
        spec["delay_ms"] = delay_ms
    if http_error:
        code, _, count = http_error.partition(":")
        spec["http_error"] = {"code": int(code), "count": int(count or 1)}
    if service_unavailable:
        spec["service_unavailable"] = service_unavailable
    if skew_seconds:
        spec["skew_seconds"] = skew_seconds
    if stall_after:
        spec["stall_after"] = stall_after
    if system_status != "online":
        spec["system_status"] = system_status
    return spec


def build_parser() -> argparse.ArgumentParser:
    """Return the argparse parser of ``python -m kraken_cli.sandbox``."""
    p = argparse.ArgumentParser(
        prog="python -m kraken_cli.sandbox",
        description="A protocol-faithful fake Kraken on loopback.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--state-file", type=Path, default=None)
    p.add_argument("--key", default=None)
    p.add_argument("--secret", default=None)
    p.add_argument("--permissions", default=",".join(ALL_PERMISSIONS))
    p.add_argument(
        "--tier", default="intermediate", help="starter|intermediate|pro|custom:MAX:DECAY_PER_S"
    )
    p.add_argument("--history-days", type=float, default=8.0)
    p.add_argument("--trade-interval", type=float, default=20.0)
    p.add_argument("--live-rate", type=float, default=2.0)
    p.add_argument("--book-rate", type=float, default=5.0)
    p.add_argument("--idle-timeout", type=float, default=60.0)
    p.add_argument("--allow-remote", action="store_true")
    p.add_argument("--pairs", type=int, default=0, help="list N spot pairs (synthetic extras)")
    p.add_argument("--ws-sub-rate", type=float, default=30.0, help="symbol subscriptions/s/conn")
    p.add_argument("--ws-sub-burst", type=float, default=60.0)
    p.add_argument("--ws-connect-limit", type=int, default=0, help="connects per 10 min (0: off)")
    p.add_argument("--drop-every", type=int, default=0)
    p.add_argument("--drop-random", type=float, default=0.0)
    p.add_argument("--corrupt-checksum-every", type=int, default=0)
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--http-error", default=None, metavar="CODE:COUNT")
    p.add_argument("--service-unavailable", type=int, default=0, metavar="COUNT")
    p.add_argument("--skew-seconds", type=float, default=0.0)
    p.add_argument("--stall-after", type=int, default=0)
    p.add_argument(
        "--system-status",
        default="online",
        choices=("online", "maintenance", "cancel_only", "post_only", "limit_only"),
    )
    return p


def from_args(argv: list[str] | None = None) -> Options:
    """Parse command-line arguments into :class:`Options`."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    if (ns.key is None) != (ns.secret is None):
        parser.error("--key and --secret go together")
    try:
        permissions = parse_permissions(ns.permissions)
    except ValueError as exc:
        parser.error(str(exc))
    return Options(
        host=ns.host,
        port=ns.port,
        seed=ns.seed,
        state_file=ns.state_file,
        key=ns.key,
        secret=ns.secret,
        permissions=permissions,
        tier=ns.tier,
        history_days=ns.history_days,
        trade_interval=ns.trade_interval,
        live_rate=ns.live_rate,
        book_rate=ns.book_rate,
        idle_timeout=ns.idle_timeout,
        allow_remote=ns.allow_remote,
        pairs=ns.pairs,
        ws_sub_rate=ns.ws_sub_rate,
        ws_sub_burst=ns.ws_sub_burst,
        ws_connect_limit=ns.ws_connect_limit,
        faults=fault_spec(
            ns.drop_every,
            ns.drop_random,
            ns.corrupt_checksum_every,
            ns.delay_ms,
            ns.http_error,
            ns.service_unavailable,
            ns.skew_seconds,
            ns.stall_after,
            ns.system_status,
        ),
    )
