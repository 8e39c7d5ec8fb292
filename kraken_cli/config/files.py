"""Write the files that hold secrets (config, .env): mode 0600, never through a symlink."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kraken_cli.errors import ConfigError, UsageError


def example_text() -> str:
    """Return the shipped example config (package data ``config/example.json``)."""
    return Path(__file__).with_name("example.json").read_text("utf-8")


def write_private(path: Path, text: str, *, force: bool, what: str = "--output") -> None:
    """Write ``text`` to ``path`` with mode 0600 (the file will hold secrets).

    Never through a symlink: a new file is created with O_EXCL (which does not follow links)
    and ``force`` writes a fresh file beside the old one and renames it over the old entry.
    ``what`` names the option the user gave the path with (for hints).
    """
    if path.is_symlink():
        raise ConfigError(
            f"{path} is a symbolic link; krx does not write through links",
            hint=f"remove the link, or give the real file's path to {what}",
        )
    if path.is_dir():
        raise UsageError(f"{path} is a directory", hint=f"give a file path to {what}")
    if path.exists() and not force:
        raise UsageError(
            f"{path} already exists",
            hint="edit it, or pass --force to replace it",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not force:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(path, flags, 0o600), "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(text)
            os.replace(tmp, path)  # replaces the directory entry, whatever it pointed to
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except FileExistsError as exc:
        raise UsageError(f"{path} already exists", hint="pass --force to replace it") from exc
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc
