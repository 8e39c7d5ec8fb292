"""``krx setup``: an interactive first run — key (pasted, or its variables), files, verify.

Prompts go to stderr through a rich console; answers come from the terminal (the secret is
read without echo) or, in tests, from an injected stream (:class:`SetupIO`). The verify table
goes to stdout like ``krx verify``'s.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, cast

import typer

from kraken_cli.cli.common import get_state, stdin_is_terminal
from kraken_cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from kraken_cli.config.setup import KeySource
    from kraken_cli.services.verify.report import VerifyReport

PASTE, VARIABLES = "1", "2"
_TRIES = 3


@dataclass
class SetupIO:
    """Where prompts are shown and answers read (``stream`` None: the terminal)."""

    console: Console
    stream: TextIO | None = None


def terminal_io() -> SetupIO:
    """Return prompts on stderr and answers from the terminal (tests replace this)."""
    from rich.console import Console

    if not stdin_is_terminal():
        raise UsageError(
            "krx setup asks questions and needs a terminal",
            hint="without one: `krx config init`, then set KRAKEN_API_KEY and KRAKEN_API_SECRET",
        )
    return SetupIO(Console(stderr=True, highlight=False))


class _Asker:
    """The three kinds of question setup asks, over rich's prompts."""

    def __init__(self, io: SetupIO) -> None:
        self.io = io

    def text(self, question: str, *, default: str | None = None, secret: bool = False) -> str:
        from rich.prompt import Prompt

        if secret:
            return self._secret(question)
        kwargs: dict[str, Any] = {"default": default} if default is not None else {}
        answer = Prompt.ask(question, console=self.io.console, stream=self._stream(), **kwargs)
        return str(answer)

    def _secret(self, question: str) -> str:
        # rich's password prompt reads the terminal through getpass (no echo) whatever the
        # stream; an injected stream is read here instead (nothing is echoed either way)
        stream = self._stream()
        if stream is None:
            return self.io.console.input(f"{question}: ", password=True)
        self.io.console.print(f"{question}: ", end="")
        return stream.readline().rstrip("\n")

    def choice(self, question: str, choices: list[str], default: str) -> str:
        from rich.prompt import Prompt

        return Prompt.ask(
            question, console=self.io.console, choices=choices, default=default,
            stream=self._stream(),
        )  # fmt: skip

    def confirm(self, question: str, *, default: bool) -> bool:
        from rich.prompt import Confirm

        return Confirm.ask(
            question, console=self.io.console, default=default, stream=self._stream()
        )

    def _stream(self) -> TextIO | None:
        if self.io.stream is None:
            return None
        return cast("TextIO", _EndChecked(self.io.stream))  # rich only calls readline()


class _EndChecked:
    """A stream whose end raises EOFError (rich would ask again forever)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def readline(self) -> str:
        line = self._stream.readline()
        if not line:
            raise EOFError
        return line


def setup(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Where to write config.provider.json and .env (default: the user config dir).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing config without asking.")
    ] = False,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Write the files only; skip `krx verify`.")
    ] = False,
) -> None:
    """Set krx up interactively: your API key, the config and .env (mode 0600), then verify.

    The key is pasted (saved in .env beside the config, never echoed) or named by the
    environment variables that hold it. Then `krx verify` runs and shows what to enable on
    the key in Kraken's API settings.

    \b
    Examples:
      krx setup
      krx setup --dir ./config      # config/config.provider.json + config/.env
    """
    from kraken_cli.config.loader import CONFIG_NAME
    from kraken_cli.config.settings import config_dir
    from kraken_cli.config.setup import FUTURES_VARS, SPOT_VARS

    io = terminal_io()
    ask = _Asker(io)
    path = (directory.expanduser() if directory else config_dir()) / CONFIG_NAME
    console = io.console
    console.print("[bold]krx setup[/]: connect krx to your Kraken account (spot).")
    try:
        if path.exists() and not force:
            if not ask.confirm(f"{path} exists. Replace it?", default=False):
                console.print("Nothing written.")
                return
            force = True
        spot = _key_source(ask, "API key", SPOT_VARS)
        futures = None
        if ask.confirm(
            "Also a Kraken Futures key (made in the Futures UI; spot keys do not work there)?",
            default=False,
        ):
            futures = _key_source(ask, "Futures API key", FUTURES_VARS)
    except EOFError:
        raise UsageError("setup stopped: the answers ended before the questions") from None
    from kraken_cli.config.setup import write_setup

    for written in write_setup(path, spot, futures, force=force):
        console.print(f"wrote {written} (mode 0600)")
    _shadowing_note(console, path)
    if not no_verify:
        _verify(ctx, console, path, futures=futures is not None)


def _key_source(ask: _Asker, what: str, default_vars: tuple[str, str]) -> KeySource:
    from kraken_cli.config.setup import KeySource, check_var_name, pasted_key

    how = ask.choice(
        f"How will krx get your {what}?\n"
        f"  {PASTE}  paste the key and secret now (saved in .env beside the config, mode 0600)\n"
        f"  {VARIABLES}  name the environment variables that already hold them\n",
        [PASTE, VARIABLES],
        PASTE,
    )
    for attempt in range(1, _TRIES + 1):
        try:
            if how == PASTE:
                key = ask.text(what)
                secret = ask.text(f"{what.removesuffix(' key')} secret (hidden)", secret=True)
                return pasted_key(key, secret, *default_vars)
            key_var = check_var_name(ask.text(f"Variable with the {what}", default=default_vars[0]))
            secret_var = check_var_name(
                ask.text(f"Variable with the {what} secret", default=default_vars[1])
            )
            _warn_undefined(ask.io.console, key_var, secret_var)
            return KeySource(key_var, secret_var)
        except (UsageError, ConfigError) as exc:
            if attempt == _TRIES:
                raise
            ask.io.console.print(f"[red]{exc.message}[/]" + (f" ({exc.hint})" if exc.hint else ""))
    raise AssertionError("unreachable")


def _warn_undefined(console: Console, *names: str) -> None:
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        exports = " ".join(f"{name}=..." for name in missing)
        console.print(
            f"note: {', '.join(missing)} not set in this shell; private commands need"
            f" `export {exports}` (public ones work without)"
        )


def _shadowing_note(console: Console, path: Path) -> None:
    from kraken_cli.config.loader import find_config

    used, _ = find_config(get_state().config_path, os.environ)
    if used is not None and used.resolve() != path.resolve():
        console.print(
            f"note: krx reads {used} first here; use `krx --config {path} ...` or move it"
        )


def _verify(ctx: typer.Context, console: Console, path: Path, *, futures: bool) -> None:
    from kraken_cli.cli.verify_cmd import show_report
    from kraken_cli.config.loader import load_settings
    from kraken_cli.models.segment import Market
    from kraken_cli.services.verify import run_verify

    console.print("Running `krx verify` with the new key (nothing is ever placed) ...")
    settings = load_settings(path, sandbox=get_state(ctx).sandbox, use_cache=False).settings
    report = run_verify(settings, Market.SPOT, explicit=True)
    if futures:
        report.checks += run_verify(settings, Market.FUTURES, explicit=True).checks
    try:
        show_report(ctx, report)
    finally:  # below the table, also when verify fails (and exits non-zero)
        _show_permissions(console, report)


def _show_permissions(console: Console, report: VerifyReport) -> None:
    from kraken_cli.services.verify.report import KEY_PERMISSIONS

    rows = {check.check: check for check in report.checks}
    console.print("On Kraken (Settings > API > your key > Edit), enable:")
    for name, permission in KEY_PERMISSIONS.items():
        check = rows.get(name)
        mark = "[green]✓[/]" if check is not None and check.ok else "[red]✗[/]"
        console.print(f"  {mark} {permission}")


def register(app: typer.Typer) -> None:
    """Add ``krx setup`` to ``app``."""
    app.command("setup")(setup)
