"""Remember config files that validated, so an unchanged one skips jsonschema next time.

An entry is keyed by the file's absolute path and holds its size, mtime_ns, the sha256 of its
bytes, the sha256 of the expanded document (the environment can change what a placeholder
becomes) and the schema version. Any mismatch means "validate again". The cache is a
convenience: an unreadable or unwritable cache is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CACHE_NAME = "validated.json"
MAX_ENTRIES = 32


@dataclass(frozen=True)
class CacheKey:
    """What must be unchanged for a past validation to still hold."""

    path: str
    size: int
    mtime_ns: int
    sha256: str
    document_sha256: str
    schema_version: str


def document_digest(document: Any) -> str:
    """Return a stable sha256 of a (JSON-like) document."""
    text = json.dumps(document, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_key(
    path: Path, data: bytes, stat: os.stat_result, document: Any, schema_version: str
) -> CacheKey:
    """Build the cache key of one read of a config file."""
    return CacheKey(
        path=str(path.resolve()),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        sha256=hashlib.sha256(data).hexdigest(),
        document_sha256=document_digest(document),
        schema_version=schema_version,
    )


def _load(cache_file: Path) -> dict[str, dict[str, Any]]:
    from kraken_cli.config.parse import read_regular
    from kraken_cli.errors import ConfigError

    if not cache_file.exists():
        return {}
    try:  # a cache: anything odd (a FIFO, a huge or mangled file) means "not validated"
        data, _stat = read_regular(cache_file, "validation cache")
        raw = json.loads(data)
    except (ConfigError, ValueError, RecursionError):
        return {}
    entries = raw.get("entries") if isinstance(raw, dict) else None
    return entries if isinstance(entries, dict) else {}


def is_validated(cache_file: Path, key: CacheKey) -> bool:
    """Whether ``key`` matches a recorded successful validation."""
    return _load(cache_file).get(key.path) == asdict(key)


def record(cache_file: Path, key: CacheKey) -> None:
    """Record a successful validation (atomically; errors are ignored)."""
    entries = _load(cache_file)
    entries.pop(key.path, None)
    entries[key.path] = asdict(key)
    while len(entries) > MAX_ENTRIES:  # dicts keep insertion order: drop the oldest
        entries.pop(next(iter(entries)))
    with contextlib.suppress(OSError):
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".validated-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "entries": entries}, handle, indent=1)
            os.replace(tmp, cache_file)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
