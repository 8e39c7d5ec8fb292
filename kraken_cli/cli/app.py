"""The ``krx`` entry point: global options, command registration, errors -> exit codes."""

# No `from __future__ import annotations`: typer reads the global options' annotations on
# every run, and evaluated ones spare it compiling each string (~1 ms).
import errno
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from kraken_cli import __version__
from kraken_cli.cli import exit_codes
from kraken_cli.cli.common import (
    AppState,
    activate,
    env_flag,
    get_state,
    report_error,
    stop_live_displays,
)
from kraken_cli.errors import KrxError, UsageError
from kraken_cli.output.formats import FORMATS, default_format
from kraken_cli.output.sanitize import for_terminal_lines

#: Command modules, each exposing ``register(app)``. Imported at start-up (all of them for
#: ``krx --help``), so they must stay light: heavy imports (httpx, websocket, jsonschema,
#: services) happen inside commands.
COMMAND_MODULES = (
    "setup_cmd",
    "verify_cmd",
    "market_cmd",
    "account_cmd",
    "order_cmd",
    "stream_cmd",
    "watch_cmd",
    "cache_cmd",
    "history_cmd",
    "config_cmd",
    "sandbox_cmd",
    "serve_cmd",
    "archive_cmd",
    "query_cmd",
    "futures_cmd",
    "mcp_cmd",
)

#: The module that registers each top-level command or group: ``krx ticker ...`` imports and
#: registers market_cmd alone (start-up, issue 17). A test checks it against the modules.
COMMAND_INDEX = {
    **dict.fromkeys(
        ("status", "symbols", "assets", "ticker", "orderbook", "trades", "candles"), "market_cmd"
    ),
    **{name.removesuffix("_cmd"): name for name in COMMAND_MODULES if name != "market_cmd"},
}

HELP = """Kraken market data, account and orders from the shell: exact, verified, gapless.

\b
Examples:
  krx verify                          # key permissions and clock skew
  krx candles BTCUSDT h1 --days 7     # any range, built from trades beyond 720 candles
  krx stream trades BTCUSDT | jq .price
  krx --sandbox status                # against a local `krx sandbox`
"""


def _rich_help() -> str | None:
    # Rich help costs ~50 ms of imports; use it only where a human reads it.
    try:
        return "rich" if sys.stdout.isatty() and not env_flag("NO_COLOR") else None
    except (AttributeError, ValueError):
        return None


def _new_app(modules: Sequence[str]) -> typer.Typer:
    """Return the krx Typer app with the commands of ``modules`` registered."""
    new = typer.Typer(
        name="krx",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=_rich_help(),  # type: ignore[arg-type]
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for name in modules:
        module_name = f"kraken_cli.cli.{name}"
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).register(new)
    return new


_full_app: typer.Typer | None = None


def full_app() -> typer.Typer:
    """Return the app with every command registered (made once; ``app`` is the same one)."""
    global _full_app
    if _full_app is None:
        _full_app = _new_app(COMMAND_MODULES)
    return _full_app


def __getattr__(name: str) -> Any:
    """Build ``app`` (every command) on first use: one command needs its own module only."""
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_module(args: Sequence[str]) -> str | None:
    """Return the one command module ``args`` (hoisted) need; None: they need every command.

    Help, a typo ("did you mean"), a root option and shell completion need every command.
    """
    if "_KRX_COMPLETE" in os.environ:
        return None
    return COMMAND_INDEX.get(invoked_command(args) or "")


def invoked_command(args: Sequence[str]) -> str | None:
    """Return the first argument after the (hoisted) global options: the command, if any."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.split("=", 1)[0] in _GLOBAL_WITH_VALUE:
            index += 1 if "=" in arg else 2
        elif arg in _GLOBAL_FLAGS:
            index += 1
        else:
            return arg
    return None


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"krx {__version__}\n")
        raise typer.Exit()


def _global_options(
    ctx: typer.Context,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            envvar="KRX_FORMAT",
            help="table | json | jsonl | csv (default: table on a terminal, else jsonl).",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="KRX_CONFIG", help="Config file (config.provider.json)."),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", envvar="KRX_SANDBOX", help="Talk to a local `krx sandbox`."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar="KRX_DEBUG", help="Tracebacks and request logging."),
    ] = False,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Pick and order the columns, e.g. symbol,last,change_pct (every format).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Set the global options shared by every command."""
    fmt = (output_format or default_format()).lower()
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown format {output_format!r}", hint="use one of: " + ", ".join(FORMATS)
        )
    state = AppState(format=fmt, config_path=config, sandbox=sandbox, debug=debug)
    if columns is not None:  # the column specs load only when asked for (start-up time)
        from kraken_cli.output.columns import parse_columns

        state.columns = parse_columns(columns)
    state.format_given = output_format is not None  # a stream keeps jsonl unless asked
    ctx.obj = state
    activate(state)


_GLOBAL_WITH_VALUE = ("--format", "-f", "--config", "--columns")
_GLOBAL_FLAGS = ("--sandbox", "--debug")


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move global options given after the command to the front (SPEC: accepted anywhere)."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        name = arg.split("=", 1)[0]
        if arg.startswith("-f") and len(arg) > 2:
            # -fjson (click's joined short form) and -f=json (as users type --format=json)
            front.append("--format=" + arg[2:].removeprefix("="))
        elif name in _GLOBAL_WITH_VALUE:
            if "=" in arg:
                front.append(arg)
            elif index + 1 < len(args):
                front.extend(args[index : index + 2])
                index += 1
            else:
                rest.append(arg)
        elif arg in _GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        index += 1
    return front + rest


def _quiet_broken_pipe() -> int:
    # `krx ... | head`: the reader left. Point stdout at /dev/null so the interpreter's final
    # flush does not raise again, and exit 0 like other well-behaved filters.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return exit_codes.SUCCESS


def run(argv: Sequence[str] | None = None) -> int:
    """Run krx with ``argv`` and return the exit code (no sys.exit; used by tests)."""
    from typer._click.exceptions import (  # typer >= 0.28 vendors click
        ClickException,
        NoArgsIsHelpError,
    )

    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args or env_flag("KRX_DEBUG")
    from kraken_cli.cli.lazy import build_root
    from kraken_cli.services.progress import set_progress_factory

    set_progress_factory(_download_progress)  # any command may download trades
    module = command_module(args)
    app = full_app() if module is None else _new_app((module,))
    # --install-completion is a root option: given before a command, it is not a command
    command = build_root(app, _global_options, completion=module is None)
    activate(AppState(format=os.environ.get("KRX_FORMAT") or default_format(), debug=debug))
    if any("\0" in arg for arg in args):  # no shell passes one; paths and symbols cannot hold it
        report_error(UsageError("an argument contains a NUL character"), get_state())
        return exit_codes.USAGE
    try:
        result = command.main(args=args, prog_name="krx", standalone_mode=False)
        code = result if isinstance(result, int) else exit_codes.SUCCESS
        if code == exit_codes.INTERRUPTED:  # typer's core returns 130 for Ctrl-C
            _say_interrupted()
        return code
    except typer.Exit as exc:
        return int(exc.exit_code)
    except NoArgsIsHelpError as exc:
        exc.show()  # `krx` or `krx account` alone: the help text
        return exit_codes.USAGE
    except ClickException as exc:
        _report_click_error(exc)
        return exit_codes.USAGE if exc.exit_code == 2 else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        _say_interrupted()
        return exit_codes.INTERRUPTED
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except SystemExit as exc:
        # typer's core turns EPIPE into sys.exit(1); for `| head` that is success.
        cause = exc.__context__
        if isinstance(cause, OSError) and cause.errno == errno.EPIPE:
            return _quiet_broken_pipe()
        raise
    except KrxError as exc:
        stop_live_displays()
        if debug:
            import traceback

            traceback.print_exc()
        report_error(exc, get_state())
        return exit_codes.exit_code_for(exc)
    except Exception as exc:  # a bug: say so plainly, traceback only with --debug
        stop_live_displays()
        known = _local_file_error(exc)
        if known is not None:
            report_error(known, get_state())
            return exit_codes.exit_code_for(known)
        if debug:
            import traceback

            traceback.print_exc()
        detail = for_terminal_lines(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(f"krx: error: internal error: {detail}\n")
        sys.stderr.write("hint: rerun with --debug for a traceback, and report it\n")
        return exit_codes.INTERNAL


def _download_progress() -> Any:
    """Return the download progress bar (cache_cmd's; imported when a download starts)."""
    from kraken_cli.cli.cache_cmd import progress_bar

    return progress_bar()


def _say_interrupted() -> None:
    # A progress bar redirects stderr while it draws: clear it first, so the line lands below.
    stop_live_displays()
    sys.stderr.write("\nkrx: interrupted\n")


def _local_file_error(exc: Exception) -> KrxError | None:
    """Map a local file or store failing mid-command (not krx's bug) to a user-facing error.

    A path the user named that cannot be a file (too long, a folder, a loop) is a usage error;
    a file krx cannot read or write (permissions, disk full) and a damaged trade store are
    configuration errors. Anything else stays an internal error.
    """
    from kraken_cli.errors import ConfigError

    if isinstance(exc, OSError) and exc.filename is not None:
        where = f"{exc.strerror or exc}: {exc.filename}"
        if exc.errno in _PATH_ERRNOS:
            return UsageError(where, hint="check the path you gave")
        return ConfigError(where, hint="check the file's permissions and the free disk space")
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is None or not isinstance(exc, sqlite3.DatabaseError):
        return None
    return ConfigError(
        f"the local trade store failed: {exc}",
        hint="run `krx cache clear` to delete it; trades are downloaded again when needed",
    )


#: errno values that say the path itself is wrong, not the file behind it.
_PATH_ERRNOS = frozenset(
    {errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP}
)


def _report_click_error(exc: Exception) -> None:
    """Report a parsing error like every other error: usage, ``krx: error:`` and a hint."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        sys.stderr.write(ctx.get_usage() + "\n")
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    path = ctx.command_path if ctx is not None else "krx"
    report_error(UsageError(message, hint=f"see '{path} --help'"), get_state())


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run and exit with the mapped code."""
    code = run(argv)
    try:
        if sys.stdout is not None:  # None: fd 1 was closed at start (reported by the sink)
            sys.stdout.flush()
    except BrokenPipeError:
        code = _quiet_broken_pipe()
    sys.exit(code)
