"""Read a config file into a JSON-like tree: JSON or YAML by extension, every failure a ConfigError.

Nothing here raises anything but ConfigError for a bad file: missing, a directory, unreadable,
too large, not UTF-8, not JSON/YAML (with line and column), empty, or not an object on top.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any

from kraken_cli.config.expand import PathPart, format_path
from kraken_cli.config.validate import ConfigProblems, Problem, type_name
from kraken_cli.errors import ConfigError

MAX_BYTES = 4 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RawConfig:
    """One read of a config file: its bytes, stat and parsed (unexpanded) tree."""

    path: Path
    data: bytes
    stat: os.stat_result
    document: dict[str, Any]


def read_regular(path: Path, what: str = "config") -> tuple[bytes, os.stat_result]:
    """Read at most MAX_BYTES of a regular file (never a FIFO, device or directory)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat refuses it next.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{what} file not found: {path}",
            hint="check --config / KRX_CONFIG, or create one with `krx setup` (interactive) or"
            " `krx config init`",
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{what} {path} is a directory", hint="point --config at a file") from exc
    except PermissionError as exc:
        raise ConfigError(
            f"cannot read {what} {path}: permission denied",
            hint=f"make it readable by you: chmod 600 {path}",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    try:
        stat = os.fstat(fd)
        if S_ISDIR(stat.st_mode):
            raise ConfigError(f"{what} {path} is a directory", hint="point --config at a file")
        if not S_ISREG(stat.st_mode):
            raise ConfigError(
                f"{what} {path} is not a regular file (a device, FIFO or socket)",
                hint="point --config at a file; krx reads no pipes or devices",
            )
        return _read_capped(fd, path, what), stat
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def _read_capped(fd: int, path: Path, what: str) -> bytes:
    """Read the file to its end, refusing more than MAX_BYTES whatever its size claims."""
    os.set_blocking(fd, True)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > MAX_BYTES:
            raise ConfigError(
                f"{what} {path} is too large (over {MAX_BYTES // (1024 * 1024)} MiB)",
                hint=f"a {what} file is a few KB; check it is the right file",
            )
        chunks.append(chunk)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"config {path} is not UTF-8 text (line {line}, column {column})",
            hint="save the file as UTF-8",
        ) from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"config {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint="JSON needs double quotes and no trailing commas; .yaml/.yml files are read as"
            " YAML",
        ) from exc
    except ValueError as exc:
        raise ConfigError(f"config {path} is not valid JSON: {exc}") from exc


def _parse_yaml(path: Path, text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # a safe loader (C if available)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise ConfigError(f"config {path} is not valid YAML: {problem}{where}") from exc
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        # Constructors raise plain errors too, e.g. ValueError for a 5000-digit integer.
        raise ConfigError(f"config {path} is not valid YAML: {exc}") from exc


MAX_NODES = 200_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (JSON ``"\\ud800"``): not encodable as UTF-8."""
    return _SURROGATE.search(text) is not None


def _plain(
    node: Any, parts: list[PathPart], problems: list[Problem], budget: list[int] | None = None
) -> Any:
    """Make a YAML tree JSON-like: dates become ISO strings; other non-JSON values are problems.

    YAML aliases can make a tiny file expand into billions of nodes: stop at MAX_NODES.
    """
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError(f"config too large once YAML aliases are expanded (> {MAX_NODES} values)")
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if not isinstance(key, str):
                problems.append(
                    Problem(format_path(parts), f"key {key!r} is not a string (quote it)")
                )
                continue
            if has_surrogate(key):
                problems.append(Problem(format_path(parts), "a key that is not valid Unicode"))
                continue
            out[key] = _plain(value, [*parts, key], problems, budget)
        return out
    if isinstance(node, list):
        return [
            _plain(value, [*parts, index], problems, budget) for index, value in enumerate(node)
        ]
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    if isinstance(node, float) and not math.isfinite(node):
        problems.append(Problem(format_path(parts), f"{node} is not a number JSON can hold"))
        return None
    if isinstance(node, str) and has_surrogate(node):
        problems.append(Problem(format_path(parts), "text that is not valid Unicode"))
        return None
    if node is None or isinstance(node, str | bool | int | float):
        return node
    problems.append(Problem(format_path(parts), f"unsupported YAML value of type {type(node)}"))
    return None


def plain_problems(document: Any) -> list[Problem]:
    """Return the values a JSON-like tree must not hold (NaN, infinities, lone surrogates)."""
    problems: list[Problem] = []
    _plain(document, [], problems)
    return problems


def read_config(path: Path) -> RawConfig:
    """Read and parse one config file; raise ConfigError for anything wrong with it."""
    data, stat = read_regular(path)
    text = _decode(path, data)
    if not text.strip():
        raise ConfigError(
            f"config {path} is empty", hint="start from the example: `krx config init`"
        )
    try:
        yaml_file = path.suffix.lower() in YAML_SUFFIXES
        parsed = _parse_yaml(path, text) if yaml_file else _parse_json(path, text)
        problems: list[Problem] = []
        document = _plain(parsed, [], problems)
        if problems:
            hint = "YAML keys must be strings; .nan and .inf are not numbers a config may hold"
            raise ConfigProblems(str(path), problems, hint=hint)
    except RecursionError as exc:
        raise ConfigError(f"config {path} is nested too deeply") from exc
    if not isinstance(document, dict):
        raise ConfigError(
            f"config {path}: the top level must be an object, got {type_name(document)}",
            hint='the file looks like {"provider": {"connectors": [...]}}; see `krx config init`',
        )
    return RawConfig(path=path, data=data, stat=stat, document=document)
