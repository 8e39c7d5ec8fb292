"""krx: Kraken market data, account and orders, usable as a library and a CLI.

The library never imports typer or rich: ``from kraken_cli import ...`` stays light.
"""

from kraken_cli.config.settings import Credentials, Endpoints, KrxOptions, Settings
from kraken_cli.errors import KrxError

__version__ = "0.1.0"

__all__ = ["Credentials", "Endpoints", "KrxError", "KrxOptions", "Settings", "__version__"]
