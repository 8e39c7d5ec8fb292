"""Check a config tree against ``schema.json``: every problem at once, with paths and hints.

jsonschema costs ~1.6x ``import typer`` to import, so it is imported only when a document is
actually checked; :mod:`kraken_cli.config.vcache` lets an unchanged, valid file skip it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kraken_cli.config.expand import PathPart, format_path
from kraken_cli.config.redaction import is_secret_path, mask_patterns
from kraken_cli.errors import ConfigError

SCHEMA_PATH = Path(__file__).with_name("schema.json")

#: Spellings people use for the platform's interval names (Kraken minutes, 1h-style, ...).
INTERVAL_ALIASES = {
    "1": "min1", "1m": "min1", "m1": "min1", "5": "min5", "5m": "min5", "m5": "min5",
    "15": "min15", "15m": "min15", "m15": "min15", "30": "min30", "30m": "min30",
    "m30": "min30", "60": "h1", "1h": "h1", "120": "h2", "2h": "h2", "240": "h4", "4h": "h4",
    "1440": "day", "1d": "day", "d1": "day", "d": "day", "10080": "week", "1w": "week",
    "w1": "week", "w": "week", "1mo": "month", "mo": "month", "minute": "min1", "hour": "h1",
    "hourly": "h1", "daily": "day", "weekly": "week", "monthly": "month",
}  # fmt: skip

#: Keys the platform (or krx) knows in objects we keep open; a near miss gets a warning.
KNOWN_TOP_LEVEL = ("provider", "krx", "advisor", "inspector", "detector")
KNOWN_PROVIDER = (
    "key", "apiToken", "restApiToken", "restApiUrl", "isAvailable", "studioGuid", "studioName",
    "studioDescription", "studioSocketApiUrl", "candleSync", "detectors", "accounts",
    "connectors", "subscriptions",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One violation: where (a JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigProblems(ConfigError):
    """A config file with one or more violations; ``problems`` lists them all."""

    def __init__(self, source: str, problems: Sequence[Problem], *, hint: str | None) -> None:
        count = len(problems)
        head = f"invalid config {source}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([head, *(f"  - {p}" for p in problems)]), hint=hint)
        self.problems = list(problems)


@cache
def schema_bytes() -> bytes:
    """Return the shipped schema file's bytes."""
    return SCHEMA_PATH.read_bytes()


def schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of config.provider.json."""
    loaded: dict[str, Any] = json.loads(schema_bytes())
    return loaded


def schema_version() -> str:
    """Return a digest of the schema, so a changed schema invalidates the validation cache."""
    import hashlib

    return hashlib.sha256(schema_bytes()).hexdigest()[:16]


def suggest(value: str, choices: Iterable[str]) -> str | None:
    """Return the closest of ``choices`` to ``value`` (case, interval aliases, difflib)."""
    options = [c for c in choices if isinstance(c, str)]
    lowered = {c.lower(): c for c in options}
    probe = value.strip().lower()
    if probe in lowered:
        return lowered[probe]
    alias = INTERVAL_ALIASES.get(probe)
    if alias in options:
        return alias
    import difflib  # only to word an error (difflib pulls in heapq & co. at start-up)

    close = difflib.get_close_matches(probe, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def _did_you_mean(value: object, choices: Iterable[str]) -> str:
    if not isinstance(value, str):
        return ""
    guess = suggest(value, choices)
    return f" (did you mean {guess!r}?)" if guess and guess != value else ""


_TYPE_NAMES = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
    float: "number", type(None): "null",
}  # fmt: skip


def type_name(value: object) -> str:
    """Return the JSON type name of a Python value."""
    for cls, name in _TYPE_NAMES.items():
        if type(value) is cls:
            return name
    return "number" if isinstance(value, int | float) else type(value).__name__


def _shown(value: object, secret: bool = False) -> str:
    """Show a value in a message: scalars only (a container may hold a secret), never a secret."""
    if isinstance(value, dict):
        return f"(an object of {len(value)} keys)"
    if isinstance(value, list):
        return f"(an array of {len(value)} items)"
    if secret:
        return "(hidden: a secret field)"
    text = json.dumps(value, default=str, ensure_ascii=True)
    text = mask_patterns(text)
    return text if len(text) <= 40 else text[:37] + "..."


def _problems_of(error: Any) -> list[Problem]:
    """Turn one jsonschema error into problems with plain-language messages."""
    parts: list[PathPart] = list(error.absolute_path)
    path = format_path(parts)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    secret = is_secret_path(parts)

    def short(value: object) -> str:
        return _shown(value, secret)

    schema_node = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = list(schema_node.get("properties", {}))
        return [
            Problem(format_path([*parts, key]), "unknown key" + _did_you_mean(key, known))
            for key in instance
            if key not in known
        ]
    if kind == "required" and isinstance(instance, dict):
        missing = [key for key in expected if key not in instance]
        out = []
        for key in missing:
            near = _did_you_mean(key, [k for k in instance if isinstance(k, str)])
            near = near.replace("did you mean", "misspelt as") if near else ""
            out.append(Problem(path, f"missing required key {key!r}{near}"))
        return out
    if kind == "enum":
        hint = _did_you_mean(instance, [str(v) for v in expected])
        if hint and len(expected) > 6:  # the suggestion says enough; skip a long list
            return [Problem(path, f"{short(instance)} is not a valid value{hint}")]
        allowed = ", ".join(str(v) for v in expected)
        return [Problem(path, f"{short(instance)} is not one of: {allowed}{hint}")]
    if kind in _BOUNDS:
        return [Problem(path, f"must be {_BOUNDS[kind]} {expected}, got {short(instance)}")]
    if kind == "const":
        return [Problem(path, f"must be {short(expected)}, got {short(instance)}")]
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else str(expected)
        got = type_name(instance)
        return [Problem(path, f"expected {wanted}, got {got} {short(instance)}")]
    if kind == "dependentRequired":
        present = [key for key, needs in expected.items() if key in instance]
        return [
            Problem(path, f"{key!r} is set but {need!r} is missing")
            for key in present
            for need in expected[key]
            if need not in instance
        ]
    if kind == "pattern":
        return [Problem(path, f"{short(instance)} is not a plain decimal number")]
    if secret or isinstance(instance, dict | list):
        return [Problem(path, f"invalid value ({kind} {short(instance)})")]
    return [Problem(path, str(error.message))]


_BOUNDS = {
    "minimum": "at least",
    "exclusiveMinimum": "greater than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}


def _sort_key(error: Any) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:09d}") if isinstance(p, int) else (1, p) for p in error.absolute_path)


def check(document: Any, *, skip_paths: Iterable[str] = ()) -> list[Problem]:
    """Validate against the schema; return every problem (none at ``skip_paths``)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    skip = set(skip_paths)
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(document), key=_sort_key):
        for problem in _problems_of(error):
            if problem.path not in skip and problem not in problems:
                problems.append(problem)
    return problems


def soft_warnings(document: Any) -> list[str]:
    """Warn about near misses in objects the platform keeps open (no schema error there)."""
    import difflib

    warnings: list[str] = []
    if not isinstance(document, dict):
        return warnings

    def near(obj: dict[str, Any], known: Sequence[str], parts: list[PathPart]) -> None:
        for key in obj:
            if not isinstance(key, str) or key in known:
                continue
            close = difflib.get_close_matches(key.lower(), [k.lower() for k in known], 1, 0.75)
            if close:
                guess = next(k for k in known if k.lower() == close[0])
                where = format_path([*parts, key])
                warnings.append(f"{where}: unknown key, ignored (did you mean {guess!r}?)")

    near(document, KNOWN_TOP_LEVEL, [])
    provider = document.get("provider")
    if isinstance(provider, dict):
        near(provider, KNOWN_PROVIDER, ["provider"])
        connectors = provider.get("connectors")
        for index, connector in enumerate(connectors if isinstance(connectors, list) else []):
            kind = connector.get("connectorType") if isinstance(connector, dict) else None
            if isinstance(kind, str) and kind != "kraken" and suggest(kind, ["kraken"]):
                where = format_path(["provider", "connectors", index, "connectorType"])
                warnings.append(
                    f"{where}: {kind!r} is not 'kraken', so krx ignores this connector"
                    " (did you mean 'kraken'?)"
                )
    return warnings
