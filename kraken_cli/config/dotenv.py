"""Read ``.env`` files (KEY=VALUE lines) without touching ``os.environ``.

Supported: blank lines, ``#`` comments (whole line, or after whitespace in an unquoted value),
an optional ``export `` prefix, single quotes (literal) and double quotes (with ``\\n``, ``\\t``,
``\\"`` and ``\\\\`` escapes). Values are not ``${VAR}``-expanded: the config file is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from kraken_cli.errors import ConfigError

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def _double_quoted(body: str) -> tuple[str, str] | None:
    """Return (value, rest after the closing quote) of a double-quoted body, or None."""
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            index += 2
            continue
        if char == '"':
            return "".join(out), body[index + 1 :]
        out.append(char)
        index += 1
    return None


def _parse_value(raw: str) -> str | None:
    """Parse the text after ``=``; None when a quote is not closed on the line."""
    raw = raw.strip()
    if raw.startswith('"'):
        parsed = _double_quoted(raw[1:])
        if parsed is None:
            return None
        value, rest = parsed
    elif raw.startswith("'"):
        end = raw.find("'", 1)
        if end < 0:
            return None
        value, rest = raw[1:end], raw[end + 1 :]
    else:
        # An unquoted value ends at " #" (an inline comment), like shells and python-dotenv.
        match = re.search(r"\s#", raw)
        return (raw[: match.start()] if match else raw).strip()
    rest = rest.strip()
    if rest and not rest.startswith("#"):
        return None
    return value


def parse_dotenv(text: str, *, source: str = ".env") -> tuple[dict[str, str], list[str]]:
    """Parse .env text into (variables, warnings about lines that were ignored)."""
    values: dict[str, str] = {}
    warnings: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export ") or stripped.startswith("export\t"):
            stripped = stripped[len("export") :].lstrip()
        key, sep, raw = stripped.partition("=")
        key = key.strip()
        value = _parse_value(raw) if sep else None
        if not sep or not _KEY.fullmatch(key) or value is None:
            warnings.append(f"{source}:{number}: not a KEY=VALUE line, ignored")
            continue
        values[key] = value
    return values, warnings


def read_dotenv(path: Path) -> tuple[dict[str, str], list[str]]:
    """Read one .env file; a missing file (or a directory) gives nothing."""
    if not path.is_file():
        return {}, []
    from kraken_cli.config.parse import read_regular  # with a file only (start-up, issue 17)

    data, _stat = read_regular(path, ".env")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}, line {line})",
            hint="save the .env file as UTF-8",
        ) from exc
    return parse_dotenv(text, source=str(path))


def overlay_env(
    env: Mapping[str, str], files: Iterable[Path]
) -> tuple[dict[str, str], list[Path], list[str]]:
    """Return ``env`` plus the variables of ``files`` (earlier files win; env always wins).

    Also returns the .env files that existed and any warnings about ignored lines.
    """
    merged = dict(env)
    used: list[Path] = []
    warnings: list[str] = []
    seen: set[Path] = set()
    for path in files:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        values, file_warnings = read_dotenv(path)
        warnings.extend(file_warnings)
        if path.is_file():
            used.append(path)
        for key, value in values.items():
            merged.setdefault(key, value)
    return merged, used, warnings
