"""``krx mcp``'s wiring to the official MCP SDK: list tools, check arguments, call, report.

Services are synchronous, so each call runs in a worker thread; a long candle download reports
its progress back to the client as MCP progress notifications. Every failure becomes a tool
error (``isError``) carrying krx's message and hint, never a traceback; no configured secret
can appear in a result (a last-line filter masks any that would).
"""

from __future__ import annotations

import contextvars
import json
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import jsonschema
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from kraken_cli import __version__
from kraken_cli.errors import KrxError, UsageError
from kraken_cli.mcp.calls import Calls
from kraken_cli.mcp.tools import Tool, tools
from kraken_cli.services.progress import set_progress_factory

INSTRUCTIONS = (
    "Kraken market data, account views and (when the server was started with "
    "--allow-trading) orders, through krx. Prices and volumes are exact decimal strings; "
    "times are ISO-8601 UTC. Symbols accept BTCUSDT, BTC/USDT, XBTUSDT or XXBTZUSD."
)

#: The progress callback of the tool call running on this thread, if its client asked for one.
_progress: contextvars.ContextVar[Callable[[Any], None] | None] = contextvars.ContextVar(
    "krx_mcp_progress", default=None
)


def build_server(calls: Calls, *, allow_trading: bool) -> Server[Any]:
    """Return the MCP server whose tools answer through ``calls``."""
    catalogue = tools(allow_trading, archive=calls.query_archive is not None)
    listing = types.ListToolsResult(tools=[_describe(t) for t in catalogue.values()])
    secrets = _secrets(calls)

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listing

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = catalogue.get(params.name)
        if tool is None:
            hint = "available: " + ", ".join(catalogue)
            if params.name.startswith("order_"):
                hint = "order tools exist only when the server runs `krx mcp --allow-trading`"
            return _failure(UsageError(f"unknown tool {params.name!r}", hint=hint), secrets)
        report = _progress_reporter(ctx.session.report_progress)
        try:
            arguments = check_arguments(tool, params.arguments or {})
            data = await anyio.to_thread.run_sync(_in_worker, tool, calls, arguments, report)
        except KrxError as exc:
            return _failure(exc, secrets)
        except Exception as exc:  # a bug: say so plainly; the traceback only to --debug's log
            if calls.debug_log is not None:
                calls.debug_log(traceback.format_exc())
            message = f"internal error: {type(exc).__name__}: {exc}"
            return _failure(KrxError(message, hint="report it with the arguments used"), secrets)
        return _success(data, secrets)

    set_progress_factory(_progress.get)
    return Server(
        "krx",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve(calls: Calls, *, allow_trading: bool) -> None:
    """Serve MCP on stdin/stdout until the client closes the connection."""
    server = build_server(calls, allow_trading=allow_trading)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def check_arguments(tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
    """Validate arguments against the tool's schema; a mismatch is a usage error.

    A null argument counts as not given (agents often send every optional argument).
    """
    arguments = {k: v for k, v in arguments.items() if v is not None}
    validator = jsonschema.Draft202012Validator(tool.input_schema)
    problems = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
    if problems:
        where = ".".join(str(p) for p in problems[0].absolute_path)
        raise UsageError(
            f"bad arguments for {tool.name}: {(where + ': ') if where else ''}"
            f"{problems[0].message}",
            hint=f"arguments: {', '.join(tool.properties) or 'none'}; required: "
            f"{', '.join(tool.required) or 'none'}",
        )
    return arguments


def _in_worker(
    tool: Tool, calls: Calls, arguments: dict[str, Any], report: Callable[[Any], None] | None
) -> Any:
    _progress.set(report)  # this worker's context only: concurrent calls keep their own
    return tool.run(calls, arguments)


def _progress_reporter(send: Callable[..., Any]) -> Callable[[Any], None]:
    """Return a HistoryProgress callback (worker thread) that notifies the client."""

    def report(event: Any) -> None:
        done_s, total_s = event.done_ns / 1e9, max(event.total_ns, 1) / 1e9
        pair = event.pair.split("@")[0]  # the store names pairs per server: KEY@host
        message = f"{pair}: {event.trades:,} trades downloaded in {event.calls} calls"
        anyio.from_thread.run(partial(send, done_s, total_s, message))

    return report


def _describe(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.input_schema,
        annotations=types.ToolAnnotations(
            read_only_hint=not tool.trading,
            destructive_hint=tool.trading,
            # order_add finds a retried call's order by cl_ord_id, but a fill in between can
            # still differ from the first answer: leave it unmarked.
            idempotent_hint=tool.name != "order_add",
            open_world_hint=True,
        ),
    )


def _success(data: Any, secrets: list[str]) -> types.CallToolResult:
    text = _mask(json.dumps(data, indent=2, ensure_ascii=False), secrets)
    structured = json.loads(text)
    if isinstance(structured, list):
        structured = {"records": structured}
    return types.CallToolResult(
        content=[types.TextContent(text=text)], structured_content=structured
    )


def _failure(error: KrxError, secrets: list[str]) -> types.CallToolResult:
    lines = [f"krx: error: {error.message}"] + ([f"hint: {error.hint}"] if error.hint else [])
    body = error.to_json() | {"hint": error.hint}
    structured = json.loads(_mask(json.dumps({"error": body}), secrets))
    return types.CallToolResult(
        content=[types.TextContent(text=_mask("\n".join(lines), secrets))],
        structured_content=structured,
        is_error=True,
    )


def _secrets(calls: Calls) -> list[str]:
    settings = calls.settings
    found = [
        value
        for creds in (settings.spot, settings.futures)
        if creds is not None
        for value in (creds.key, creds.secret)
        if len(value.strip()) >= 8
    ]
    return sorted(set(found), key=len, reverse=True)


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
