"""The futures side of the sandbox: REST under ``/derivatives`` and charts, WS at ``/ws/v1``.

Mount it under ``/futures`` in the sandbox app::

    Mount("/futures", routes=futures_routes(FuturesState.from_seed(options.seed)))

so ``KRX_FUTURES_URL=http://127.0.0.1:PORT/futures`` and
``KRX_FUTURES_WS_URL=ws://127.0.0.1:PORT/futures/ws/v1``.
"""

from __future__ import annotations

from kraken_cli.sandbox.futures.routes import futures_routes
from kraken_cli.sandbox.futures.state import FuturesState

__all__ = ["FuturesState", "futures_routes"]
