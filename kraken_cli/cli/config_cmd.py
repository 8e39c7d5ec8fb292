"""``krx config validate | show | init | path``: the platform's config.provider.json."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kraken_cli.cli.common import emit, emit_object, get_state, info, warn
from kraken_cli.output.columns import CONFIG_PATHS

if TYPE_CHECKING:
    from kraken_cli.config.loader import LoadResult

config_app = typer.Typer(
    name="config",
    help="Check, show and create the config file (config.provider.json).",
    no_args_is_help=True,
)


def _load(
    ctx: typer.Context,
    *,
    require: bool,
    sandbox: bool | None = None,
    use_cache: bool = True,
    defer_keys: bool = True,
) -> LoadResult:
    from kraken_cli.config.loader import load_settings

    state = get_state(ctx)
    result = load_settings(
        state.config_path,
        sandbox=state.sandbox if sandbox is None else sandbox,
        require=require,
        use_cache=use_cache,
        defer_keys=defer_keys,
    )
    for message in result.warnings:
        warn(message)
    return result


@config_app.command("validate")
def validate(
    ctx: typer.Context,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Validate even if this file already passed.")
    ] = False,
) -> None:
    """Check the config file against the schema; list every problem at once (exit 3).

    \b
    Example:
      krx config validate
      krx --config ./config.provider.json config validate --no-cache
    """
    # strict: the platform needs every ${VAR}, keys included
    result = _load(ctx, require=True, sandbox=False, use_cache=not no_cache, defer_keys=False)
    settings = result.settings
    record = {
        "ok": True,
        "source": str(result.source),
        "dotenv": [str(p) for p in result.dotenv_files],
        "spot_credentials": settings.spot is not None,
        "futures_credentials": settings.futures is not None,
        "markets": len(settings.markets),
        "subscriptions": len(settings.subscriptions),
        "warnings": len(result.warnings),
    }
    if get_state(ctx).format == "table":
        sys.stdout.write(f"OK {result.source}\n")
    else:
        emit_object(record, ctx=ctx)


def _effective(result: LoadResult) -> dict[str, Any]:
    from dataclasses import asdict

    from kraken_cli.config.settings import redact

    settings = result.settings
    return {
        "endpoints": asdict(settings.endpoints),
        "spot_key": redact(settings.spot.key) if settings.spot else None,
        "futures_key": redact(settings.futures.key) if settings.futures else None,
        "krx": asdict(settings.krx),
        "markets": [asdict(m) for m in settings.markets],
        "subscriptions": [asdict(sub) for sub in settings.subscriptions],
        "sandbox": settings.sandbox,
    }


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective config: ${VAR} expanded, secrets redacted, defaults applied.

    \b
    Example:
      krx config show
      krx config show --format json | jq .effective.krx
    """
    from kraken_cli.config.redaction import redacted_document

    result = _load(ctx, require=False)
    data = {
        "source": str(result.source) if result.source else None,
        "config": redacted_document(result.document) if result.document is not None else None,
        "effective": _effective(result),
    }
    if get_state(ctx).format == "table":
        import yaml

        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        emit_object(data, ctx=ctx)


def example_text() -> str:
    """Return the shipped example config (package data ``config/example.json``)."""
    import kraken_cli.config

    return (Path(kraken_cli.config.__file__).with_name("example.json")).read_text("utf-8")


def _write_private(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path`` with mode 0600 (the file will hold secrets).

    Never through a symlink: a new file is created with O_EXCL (which does not follow links)
    and ``--force`` writes a fresh file beside the old one and renames it over the old entry.
    """
    import tempfile

    from kraken_cli.errors import ConfigError, UsageError

    if path.is_symlink():
        raise ConfigError(
            f"{path} is a symbolic link; krx does not write through links",
            hint="remove the link, or give the real file's path to --output",
        )
    if path.is_dir():
        raise UsageError(f"{path} is a directory", hint="give a file path to --output")
    if path.exists() and not force:
        raise UsageError(
            f"{path} already exists",
            hint="edit it, or pass --force to replace it with the example",
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


@config_app.command("init")
def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write (default: config.provider.json in the user config dir;"
            " '-' for stdout).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the example config (Kraken spot BTCUSDT) with mode 0600; never overwrites.

    \b
    Example:
      krx config init                      # then set KRAKEN_API_KEY / KRAKEN_API_SECRET
      krx config init --output ./config.provider.json
      krx config init -o - | less
    """
    from kraken_cli.config.loader import CONFIG_NAME
    from kraken_cli.config.settings import config_dir

    text = example_text()
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    path = (output or config_dir() / CONFIG_NAME).expanduser()
    _write_private(path, text, force=force)
    info(
        f"wrote {path} (mode 0600); set KRAKEN_API_KEY and KRAKEN_API_SECRET in the environment"
        f" or in {path.parent / '.env'}, then run `krx config validate`"
    )
    if get_state(ctx).format == "table":
        sys.stdout.write(f"{path}\n")
    else:
        emit_object({"path": str(path), "mode": "0600"}, ctx=ctx)


@config_app.command("path")
def path(ctx: typer.Context) -> None:
    """List where krx looks for the config file, in order, and which one it uses.

    \b
    Example:
      krx config path
      krx config path --format jsonl | jq -r 'select(.used).path'
    """
    from kraken_cli.config.loader import find_config, search_paths

    state = get_state(ctx)
    used, explicit = find_config(state.config_path, os.environ)
    rows: list[dict[str, Any]] = []
    if explicit and used is not None:
        origin = "--config / KRX_CONFIG"
        rows.append({"order": 1, "path": str(used), "via": origin, "exists": used.is_file()})
    for candidate in search_paths():
        via = "search (skipped: --config given)" if explicit else "search"
        rows.append(
            {"order": len(rows) + 1, "path": str(candidate), "via": via,
             "exists": candidate.is_file()}
        )  # fmt: skip
    used_path = str(used) if used is not None else None
    for row in rows:
        row["used"] = row["path"] == used_path
        if row["used"]:
            used_path = None  # only the first match is used
    emit(rows, CONFIG_PATHS, ctx=ctx)


def register(app: typer.Typer) -> None:
    """Add the ``config`` sub-commands to the krx app."""
    app.add_typer(config_app, name="config")
