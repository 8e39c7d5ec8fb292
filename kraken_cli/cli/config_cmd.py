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
    from kraken_cli.config.files import example_text, write_private
    from kraken_cli.config.loader import CONFIG_NAME
    from kraken_cli.config.settings import config_dir

    text = example_text()
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    path = (output or config_dir() / CONFIG_NAME).expanduser()
    write_private(path, text, force=force)
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
