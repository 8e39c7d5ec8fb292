"""Which config values are secrets: for the permission warning and `krx config show`."""

from __future__ import annotations

from typing import Any

from kraken_cli.config.expand import is_placeholder_only
from kraken_cli.config.settings import redact

#: Connector fields that hold secrets (any exchange's connector).
CONNECTOR_SECRETS = frozenset(
    {"secret", "key", "futuresKey", "futuresSecret", "apiKey", "apiSecret", "token", "password"}
)
#: Provider-level secrets (``provider.key`` is the provider's name, not a secret).
PROVIDER_SECRETS = frozenset({"apiToken", "restApiToken"})


def _secret_values(document: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Return (owner object, key) of every secret field in the document."""
    provider = document.get("provider")
    if not isinstance(provider, dict):
        return []
    found = [(provider, key) for key in PROVIDER_SECRETS if key in provider]
    connectors = provider.get("connectors")
    for connector in connectors if isinstance(connectors, list) else []:
        if isinstance(connector, dict):
            found.extend((connector, key) for key in connector if key in CONNECTOR_SECRETS)
    return found


def has_literal_secret(document: dict[str, Any]) -> bool:
    """Whether the (unexpanded) document holds a secret written out, not a ${VAR}."""
    return any(
        isinstance(owner[key], str) and not is_placeholder_only(owner[key])
        for owner, key in _secret_values(document)
    )


def redacted_document(document: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of the document with every secret value redacted."""
    import copy

    clone = copy.deepcopy(document)
    for owner, key in _secret_values(clone):
        if isinstance(owner[key], str):
            owner[key] = redact(owner[key])
    return clone
