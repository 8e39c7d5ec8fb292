"""Which config values are secrets: for the permission warning, `krx config show` and messages.

A value is secret by *field* (its key, or any key above it, names a secret: *secret*, *token*,
*key*, *password*, *passphrase*, *credential*, *sign*, *auth*; everything under
``provider.accounts`` and ``subscriptions[].connector`` but their labels) and
by *pattern* anywhere (``?token=...`` and other credential query parameters, ``user:pass@`` in
URLs). Redaction walks the whole tree, so a secret of the wrong type (a list, an object, a
number) is hidden too, and so are other exchanges' fields krx itself never reads.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Sequence
from typing import Any

from kraken_cli.config.expand import PathPart, is_placeholder_only
from kraken_cli.config.settings import redact

#: Key names that hold secrets, matched as substrings, case-insensitively.
SECRET_NAME = re.compile(
    r"secret|token|key|passw|passphrase|credential|sign|auth|private|session|cookie|bearer",
    re.IGNORECASE,
)
#: Paths whose key matches the pattern but that are not secrets (the provider's name).
NOT_SECRET: frozenset[tuple[PathPart, ...]] = frozenset({("provider", "key")})
#: Fields under ``provider.accounts`` or a subscription's connector that are labels.
LABELS = frozenset(
    {"name", "id", "type", "label", "exchange", "connectorType", "marketType", "enabled"}
)
ACCOUNT_LABELS = LABELS
_QUERY_SECRET = re.compile(
    r"([?&;][^=&#\s]*(?:token|key|secret|sig|passw|passphrase|auth|session)[^=&#\s]*=)"
    r"[^&#\s]*",
    re.IGNORECASE,
)
_USERINFO = re.compile(r"(://[^/@\s:]*:)[^@/\s]+@")
MASK = "***"


def is_secret_path(parts: Sequence[PathPart]) -> bool:
    """Whether the value at ``parts`` (a JSON path) is secret by field."""
    parts = tuple(parts)
    if parts in NOT_SECRET:
        return False
    names = [p for p in parts if isinstance(p, str)]
    if any(SECRET_NAME.search(name) for name in names):
        return True
    if parts[:2] == ("provider", "accounts"):
        return len(parts) == 2 or parts[-1] not in ACCOUNT_LABELS
    if "subscriptions" in names and "connector" in names[names.index("subscriptions") :]:
        # a subscription's connector object copies a connector (credentials and all)
        return names[-1] not in LABELS or names[-1] == "connector"
    return False


def mask_patterns(text: str) -> str:
    """Mask credentials embedded in text: query parameters and URL user info."""
    if "=" not in text and "@" not in text:
        return text
    return _USERINFO.sub(r"\1***@", _QUERY_SECRET.sub(r"\1***", text))


def _walk(
    node: Any, parts: tuple[PathPart, ...] = ()
) -> Iterator[tuple[Any, PathPart, tuple[PathPart, ...]]]:
    """Yield (container, key or index, path) for every leaf of the tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        path = (*parts, key)
        if isinstance(value, dict | list):
            yield from _walk(value, path)
        else:
            yield node, key, path


def _secret_leaves(document: Any) -> Iterator[tuple[Any, PathPart, Any]]:
    if not isinstance(document, dict | list):
        return
    for owner, key, parts in _walk(document):
        value = owner[key]
        if value is not None and is_secret_path(parts):
            yield owner, key, value


def has_literal_secret(document: dict[str, Any]) -> bool:
    """Whether the (unexpanded) document holds a secret written out, not a ${VAR}."""
    for _owner, _key, value in _secret_leaves(document):
        if isinstance(value, bool) or value == "":
            continue
        if not isinstance(value, str) or not is_placeholder_only(value):
            return True
    return False


def redacted_document(document: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of the document with every secret hidden, by field and by pattern."""
    clone = copy.deepcopy(document)
    for owner, key, value in list(_secret_leaves(clone)):
        if isinstance(value, bool):
            continue
        owner[key] = redact(value) if isinstance(value, str) else MASK
    for owner, key, _parts in list(_walk(clone)):
        if isinstance(owner[key], str):
            owner[key] = mask_patterns(owner[key])
    return clone
