"""The verify report: one typed check per row, and the failure category that picks the exit."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Failure categories, most severe first; the CLI maps them to exit codes 6, 4, 7, 5.
NETWORK, AUTH, RATE_LIMIT, KRAKEN = "network", "auth", "rate_limit", "kraken"

#: What to enable on the key in Kraken's API settings for each permission check of verify.
KEY_PERMISSIONS = {
    "Query Funds": "Funds: Query",
    "Query Orders & Trades": "Orders and trades: Query open orders & trades, Query closed"
    " orders & trades",
    "Query Ledger": "Data: Query ledger entries",
    "Create & Modify Orders": "Orders and trades: Create & modify orders, Cancel & close"
    " orders (only to trade with krx)",
    "WebSocket token": "WebSocket interface: On (krx stream executions / balances)",
}


@dataclass(frozen=True)
class Check:
    """One row of the verify report."""

    check: str
    ok: bool
    detail: str
    required: bool = True
    warning: bool = False
    category: str | None = None  # why it failed (network/auth/rate_limit/kraken)

    def to_record(self) -> dict[str, object]:
        """Return the row: ``check, ok, detail`` then ``warning, required``."""
        return {
            "check": self.check,
            "ok": self.ok,
            "detail": self.detail,
            "warning": self.warning,
            "required": self.required,
        }


@dataclass
class VerifyReport:
    """All checks, in order."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every required check passed."""
        return all(c.ok for c in self.checks if c.required)

    def failed_categories(self) -> set[str]:
        """Return the categories of the failed required checks."""
        return {c.category or KRAKEN for c in self.checks if c.required and not c.ok}


def exit_category(report: VerifyReport) -> str | None:
    """Return the category that decides the exit code (None when everything passed)."""
    failed = report.failed_categories()
    for category in (NETWORK, AUTH, RATE_LIMIT, KRAKEN):
        if category in failed:
            return category
    return None
