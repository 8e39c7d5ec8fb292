"""What every command shares: global state, settings loading, rendering, stderr messages."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kraken_cli.errors import KrxError
from kraken_cli.output.sanitize import for_terminal_lines

if TYPE_CHECKING:
    from kraken_cli.config.settings import Settings
    from kraken_cli.output.sink import StdoutSink
    from kraken_cli.output.views import TableView


class AppState:
    """Global options of one krx invocation (set by the app callback).

    A plain class: every run makes one, and a dataclass costs ~0.5 ms to create (start-up).
    """

    __slots__ = (
        "_settings",
        "columns",
        "config_path",
        "debug",
        "format",
        "format_given",
        "sandbox",
    )

    def __init__(
        self,
        format: str = "jsonl",
        format_given: bool = False,
        config_path: Path | None = None,
        sandbox: bool = False,
        debug: bool = False,
        columns: tuple[str, ...] | None = None,
    ) -> None:
        self.format = format
        #: Whether the format was asked for (--format / KRX_FORMAT) rather than defaulted.
        self.format_given = format_given
        self.config_path = config_path
        self.sandbox = sandbox
        self.debug = debug
        #: ``--columns``: exactly these columns, in this order, in every format.
        self.columns = columns
        self._settings: Settings | None = None

    @property
    def structured_errors(self) -> bool:
        """Whether errors are also written as one JSON object on stderr (json/jsonl)."""
        return self.format in ("json", "jsonl")


_active: AppState | None = None


def activate(state: AppState) -> None:
    """Make ``state`` the invocation's state (also reachable after the click context ends)."""
    global _active
    _active = state


def get_state(ctx: typer.Context | None = None) -> AppState:
    """Return the invocation's AppState (a default one outside a command, e.g. in tests)."""
    ctx = ctx or _current_context()
    if ctx is not None:
        root = ctx.find_root()
        if isinstance(root.obj, AppState):
            return root.obj
    return _active or AppState()


def _current_context() -> typer.Context | None:
    from typer._click.globals import get_current_context  # typer vendors click

    ctx = get_current_context(silent=True)
    return ctx  # type: ignore[return-value]


def get_settings(ctx: typer.Context | None = None, *, require_config: bool = False) -> Settings:
    """Load settings once per invocation from the config file, environment and sandbox state."""
    state = get_state(ctx)
    if state._settings is None:
        from kraken_cli.config.loader import load_settings

        result = load_settings(state.config_path, sandbox=state.sandbox, require=require_config)
        for message in result.warnings:
            warn(message)
        state._settings = result.settings
    return state._settings


def emit(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    view: TableView | None = None,
    ctx: typer.Context | None = None,
) -> int:
    """Render records to stdout in the invocation's format; return how many were written.

    ``columns`` lead in csv and tables; a table reads as ``view`` (what it shows by default).
    """
    return stdout_sink(ctx).write_records(records, columns, title=title, view=view)


def emit_object(obj: Mapping[str, Any], *, ctx: typer.Context | None = None) -> None:
    """Render one object (e.g. an order book in ``--format json``) to stdout."""
    stdout_sink(ctx).write_object(obj)


def stdout_sink(
    ctx: typer.Context | None = None,
    *,
    fmt: str | None = None,
    kind: str | None = None,
    events_to_stdout: bool = False,
) -> StdoutSink:
    """Return a stdout sink in ``fmt`` (the invocation's format); ``kind``: a stream's records."""
    from kraken_cli.output.sink import StdoutSink

    state = get_state(ctx)
    return StdoutSink(
        fmt or state.format, kind=kind, events_to_stdout=events_to_stdout, picked=state.columns
    )


#: Stop callbacks of the live displays (progress bars) drawing on the terminal right now.
_live_displays: list[Callable[[], None]] = []


def live_started(stop: Callable[[], None]) -> None:
    """Register a live display's ``stop`` so an error or Ctrl-C can clear it before reporting."""
    _live_displays.append(stop)


def live_stopped(stop: Callable[[], None]) -> None:
    """Forget a live display that stopped by itself."""
    if stop in _live_displays:
        _live_displays.remove(stop)


def stop_live_displays() -> None:
    """Stop every live display, so what comes next lands below it, not inside it."""
    while _live_displays:
        stop = _live_displays.pop()
        # a broken terminal must not hide the message that follows
        with contextlib.suppress(Exception):
            stop()


def warn(message: str) -> None:
    """Write ``krx: warning: ...`` to stderr."""
    sys.stderr.write(f"krx: warning: {for_terminal_lines(message)}\n")


def info(message: str) -> None:
    """Write an informational line to stderr (never stdout: stdout is data)."""
    sys.stderr.write(f"krx: {for_terminal_lines(message)}\n")


def explain(result: object) -> None:
    """Say on stderr why a consumed result is empty or short (``services.explain`` notes)."""
    from kraken_cli.services.explain import notes_of

    for note in notes_of(result):
        info(note.message)


def report_error(error: KrxError, state: AppState) -> None:
    """Write ``krx: error: ...`` (+ hint) and, for json/jsonl, one JSON error object."""
    # messages quote server text (Kraken's error strings, symbols): never raw to a terminal
    sys.stderr.write(f"krx: error: {for_terminal_lines(error.message)}\n")
    if error.hint:
        sys.stderr.write(f"hint: {for_terminal_lines(error.hint)}\n")
    if state.structured_errors:
        sys.stderr.write(json.dumps({"error": error.to_json()}) + "\n")
    sys.stderr.flush()


def stdin_is_terminal() -> bool:
    """Whether a human can answer a prompt (stdin and stderr are terminals)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def env_flag(name: str) -> bool:
    """Read a boolean environment variable (1/true/yes/on)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
