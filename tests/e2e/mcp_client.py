"""Drive ``krx mcp`` as a subprocess with the MCP SDK's own stdio client, from sync tests."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

mcp_client = pytest.importorskip("mcp.client")

from anyio.from_thread import BlockingPortal, start_blocking_portal  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from tests.e2e.conftest import REPO_ROOT, SandboxHandle  # noqa: E402


@dataclass
class McpSession:
    """A connected client; ``call`` returns the CallToolResult, ``texts`` every text seen."""

    portal: BlockingPortal
    session: Any
    home: Path
    texts: list[str] = field(default_factory=list)

    def tools(self) -> dict[str, Any]:
        """Return the server's tools by name."""
        listed = self.portal.call(self.session.list_tools)
        return {t.name: t for t in listed.tools}

    def call(self, name: str, arguments: dict[str, Any], progress: list[Any] | None = None) -> Any:
        """Call a tool (collecting progress notifications into ``progress``)."""

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            if progress is not None:
                progress.append((done, total, message))

        async def call() -> Any:
            callback = on_progress if progress is not None else None
            return await self.session.call_tool(name, arguments, progress_callback=callback)

        result = self.portal.call(call)
        self.texts.extend(c.text for c in result.content if c.type == "text")
        self.texts.append(json.dumps(result.structured_content))
        return result

    def records(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call a tool that must succeed; return the JSON of its text content."""
        result = self.call(name, arguments)
        assert not result.is_error, result.content[0].text
        return json.loads(result.content[0].text)


def server_env(sandbox: SandboxHandle, home: Path) -> dict[str, str]:
    """Return the environment of an isolated krx against the session sandbox."""
    return {
        "KRX_SANDBOX_STATE": str(sandbox.state_file),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "KRX_ARCHIVE": str(home / "archive"),
        "NO_COLOR": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }


@contextmanager
def krx_mcp(sandbox: SandboxHandle, home: Path, *flags: str) -> Iterator[McpSession]:
    """Start ``python -m kraken_cli --sandbox mcp FLAGS`` and yield a connected session."""
    from mcp.client import ClientSession

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "kraken_cli", "--sandbox", "mcp", *flags],
        env=server_env(sandbox, home),
        cwd=str(home),
    )

    @asynccontextmanager
    async def connect() -> AsyncIterator[Any]:
        errlog = (home / "mcp.stderr").open("w")
        try:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                yield session
        finally:
            errlog.close()

    home.mkdir(parents=True, exist_ok=True)
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(connect()) as s:
        yield McpSession(portal, s, home)
