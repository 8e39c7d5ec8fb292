"""The single table from error classes to exit codes (SPEC.md "Exit codes")."""

from __future__ import annotations

from kraken_cli import errors

SUCCESS = 0
INTERNAL = 1
USAGE = 2
CONFIG = 3
AUTH = 4
KRAKEN = 5
NETWORK = 6
RATE_LIMITED = 7
INTEGRITY = 8
INTERRUPTED = 130

#: Most specific classes first: the first ``isinstance`` match decides.
EXIT_CODES: list[tuple[type[errors.KrxError], int]] = [
    (errors.UsageError, USAGE),
    (errors.ConfigError, CONFIG),
    (errors.AuthError, AUTH),
    (errors.RateLimitError, RATE_LIMITED),
    (errors.NetworkError, NETWORK),
    (errors.IntegrityError, INTEGRITY),
    (errors.KrakenError, KRAKEN),
]


def exit_code_for(error: BaseException) -> int:
    """Return the exit code for an error (1 for anything that is not a KrxError: a bug)."""
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    if isinstance(error, errors.KrxError):
        return KRAKEN
    return INTERNAL
