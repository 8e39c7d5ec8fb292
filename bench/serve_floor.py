"""The floor for bench/serve.py: the same server (uvicorn, httptools, uvloop, same settings)
answering the same bytes from memory with a bare ASGI callable: no framework, no routing,
no token check, metrics or log. The strongest floor for this stack: nothing is left to cut."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn

Message = MutableMapping[str, Any]


def main() -> None:
    """Serve ``argv[1]``'s bytes for every GET on ``argv[2]`` (port)."""
    body = Path(sys.argv[1]).read_bytes()
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }

    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[2]),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=75,
    )


if __name__ == "__main__":
    main()
