"""``${VAR}`` expansion in every string of a config tree, and JSON paths for messages.

The platform's rule: ``${NAME}`` where NAME is ``\\w+``; values only, never keys. An undefined
variable is collected with every path that uses it, so one error can name them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

PathPart = str | int


def format_path(parts: Sequence[PathPart]) -> str:
    """Render a path as ``provider.connectors[0].key`` (the top level is ``(top level)``)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "(top level)"


def expand(
    node: Any, env: Mapping[str, str], path: tuple[PathPart, ...] = ()
) -> tuple[Any, dict[str, list[tuple[PathPart, ...]]]]:
    """Return (the tree with placeholders replaced, {undefined name: [paths where used]}).

    Undefined placeholders are left as they are, so validation can still run on the rest.
    """
    undefined: dict[str, list[tuple[PathPart, ...]]] = {}
    result = _expand(node, env, path, undefined)
    return result, undefined


def _expand(
    node: Any,
    env: Mapping[str, str],
    path: tuple[PathPart, ...],
    undefined: dict[str, list[tuple[PathPart, ...]]],
) -> Any:
    if isinstance(node, str):
        if "${" not in node:
            return node

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in env:
                return env[name]
            where = undefined.setdefault(name, [])
            if path not in where:
                where.append(path)
            return match.group(0)

        return PLACEHOLDER.sub(replace, node)
    if isinstance(node, dict):
        return {key: _expand(value, env, (*path, key), undefined) for key, value in node.items()}
    if isinstance(node, list):
        return [_expand(value, env, (*path, index), undefined) for index, value in enumerate(node)]
    return node


def is_placeholder_only(value: str) -> bool:
    """Whether a string holds nothing but ``${VAR}`` placeholders (no literal secret)."""
    return PLACEHOLDER.sub("", value).strip() == ""
