"""A root command that builds each sub-command only when it is used.

Typer turns every command into a click command up front, introspecting every signature
(~20 ms for krx's ~40 commands). `krx --help` needs names and one-line helps only, and
`krx ticker ...` needs one command: building lazily keeps start-up near `import typer`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import typer
import typer.main
from typer._click import Command, Context, HelpFormatter  # typer >= 0.28 vendors click
from typer.core import TyperGroup
from typer.models import CommandInfo, DefaultPlaceholder, TyperInfo


class LazyGroup(TyperGroup):
    """A TyperGroup whose sub-commands are built on first use."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.builders: dict[str, tuple[Callable[[], Command], str, bool]] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        """List commands in registration order, built or not."""
        return list(self.builders) + [n for n in self.commands if n not in self.builders]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """Build (once) and return the named sub-command."""
        if cmd_name not in self.commands and cmd_name in self.builders:
            self.commands[cmd_name] = self.builders[cmd_name][0]()
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """Resolve a command; a typo gets "Did you mean ..." from every command, built or not."""
        from difflib import get_close_matches

        from typer._click.exceptions import UsageError

        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:
            names = [n for n, (_, _, hidden) in self.builders.items() if not hidden]
            matches = get_close_matches(args[0], names) if args else []
            if matches:
                listed = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {listed}?"
            raise

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """List commands with their one-line help, without building them."""
        rows = [(name, short) for name, (_, short, hidden) in self.builders.items() if not hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _first_line(text: str | None) -> str:
    lines = inspect.cleandoc(text or "").splitlines()
    return lines[0].rstrip(".") if lines else ""


def _plain(value: Any) -> Any:
    return None if isinstance(value, DefaultPlaceholder) else value


def build_root(
    app: typer.Typer, root_callback: Callable[..., Any], *, completion: bool = True
) -> LazyGroup:
    """Return ``app`` as a click group whose commands and groups are built lazily.

    ``completion``: with typer's --install-completion and --show-completion options.
    """
    shell = typer.Typer(
        add_completion=completion,
        name=_plain(app.info.name),
        help=_plain(app.info.help),
        cls=LazyGroup,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=app.rich_markup_mode,
        context_settings=_plain(app.info.context_settings),
    )
    shell.callback()(root_callback)
    root = typer.main.get_command(shell)
    assert isinstance(root, LazyGroup)
    options = {"pretty_exceptions_short": app.pretty_exceptions_short}
    markup = app.rich_markup_mode
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        short = _first_line(_plain(info.help) or info.callback.__doc__)

        def build_command(info: CommandInfo = info) -> Command:
            return typer.main.get_command_from_info(info, rich_markup_mode=markup, **options)

        root.builders[name] = (build_command, short, bool(info.hidden))
    for group in app.registered_groups:
        solved = typer.main.solve_typer_info_defaults(group)
        short = _first_line(typer.main.solve_typer_info_help(group))

        def build_group(group: TyperInfo = group) -> Command:
            return typer.main.get_group_from_info(
                group,
                suggest_commands=app.suggest_commands,
                rich_markup_mode=markup,
                **options,
            )

        root.builders[str(solved.name)] = (build_group, short, bool(solved.hidden))
    return root
