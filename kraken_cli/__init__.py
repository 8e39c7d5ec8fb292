"""krx: Kraken market data, account and orders, usable as a library and a CLI.

The library never imports typer or rich: ``from kraken_cli import ...`` stays light. The
public names load on first use, so ``krx --help`` does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kraken_cli.config.settings import Credentials, Endpoints, KrxOptions, Settings
    from kraken_cli.errors import KrxError

__version__ = "0.1.0"

__all__ = ["Credentials", "Endpoints", "KrxError", "KrxOptions", "Settings", "__version__"]

_LAZY = {
    "Credentials": "kraken_cli.config.settings",
    "Endpoints": "kraken_cli.config.settings",
    "KrxOptions": "kraken_cli.config.settings",
    "Settings": "kraken_cli.config.settings",
    "KrxError": "kraken_cli.errors",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kraken_cli' has no attribute {name!r}")
