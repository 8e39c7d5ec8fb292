"""Verify the futures key: reachability, clock skew, key accepted, permissions; nothing placed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Settings, missing_key_error
from kraken_cli.errors import AuthError, KrxError
from kraken_cli.models.futures import ms_from_iso
from kraken_cli.services.market.futures import futures_client
from kraken_cli.services.verify.report import AUTH, NETWORK, Check


def verify_futures(
    settings: Settings,
    *,
    client: FuturesRest | None = None,
    wall: Callable[[], float] = time.time,
) -> list[Check]:
    """Return the futures checks: reachability, clock skew, key, permissions (nothing placed)."""
    rows: list[Check] = []
    if settings.futures is None:
        detail = "no futures key: set KRAKEN_FUTURES_API_KEY / KRAKEN_FUTURES_API_SECRET"
        if settings.futures_undefined:
            detail = missing_key_error(settings.futures_undefined, "futures API key").message
        return [_row("futures key", False, detail)]
    own = client is None
    fc = client or futures_client(settings)
    try:
        try:
            fc.public("instruments")
        except KrxError as exc:
            return [_row("futures connectivity", False, exc.message)]
        rows.append(_row("futures connectivity", True, fc.base_url))
        rows.append(_skew_row(fc, settings.krx.max_clock_skew_s))
        try:
            accounts = fc.accounts()
        except AuthError as exc:
            rows.append(_row("futures key accepted", False, f"{exc.message} ({exc.hint})"))
            return rows
        rows.append(_row("futures key accepted", True, f"{len(accounts)} accounts"))
        rows.extend(_permission_rows(fc))
    finally:
        if own:
            fc.close()
    return rows


def _permission_rows(fc: FuturesRest) -> list[Check]:
    rows = []
    for check, probe in (
        ("futures permission: query orders", fc.openorders),
        ("futures permission: query positions", fc.openpositions),
    ):
        try:
            probe()
            rows.append(_row(check, True, "granted"))
        except KrxError as exc:
            rows.append(_row(check, False, exc.message))
    return [*rows, _trading_probe(fc)]


def _trading_probe(fc: FuturesRest) -> Check:
    # Futures has no validate-only order call; cancelling an id that cannot exist proves the
    # key may trade without touching anything (Kraken answers status "notFound").
    try:
        status = fc.cancelorder(cli_ord_id="krx-verify-" + uuid.uuid4().hex[:12])
    except KrxError as exc:
        return _row("futures permission: trade", False, exc.message)
    return _row("futures permission: trade", True, f"cancel probe: {status.get('status')}")


def _skew_row(fc: FuturesRest, limit: float) -> Check:
    if fc.last_server_time is None or fc.last_span is None:
        return _row("futures clock skew", False, "no serverTime in the reply")
    sent, received = fc.last_span
    server = ms_from_iso(fc.last_server_time) / 1000
    skew = (sent + received) / 2 - server
    detail = f"{skew:+.3f} s (round trip {received - sent:.3f} s)"
    if abs(skew) > limit:
        return _row("futures clock skew", False, detail + f"; over the {limit:g} s limit")
    if abs(skew) > 1:
        detail += "; warning: over 1 s"
    return _row("futures clock skew", True, detail)


def _row(check: str, ok: bool, detail: str) -> Check:
    # A failed connectivity row is a network failure; every other failure is the key's.
    category = None if ok else NETWORK if "connectivity" in check else AUTH
    return Check(check, ok, detail, category=category)
