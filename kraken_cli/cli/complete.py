"""Shell completion of symbols (from the cached pair list, never the network) and intervals.

Typer calls these while the shell completes a word (``krx --install-completion`` sets it up).
They must be fast and must never fail or print: no cache, no candidates.
"""

from __future__ import annotations


def complete_symbol(incomplete: str) -> list[str]:
    """Return the cached symbols that start with ``incomplete`` (``BTCUSD`` or ``BTC/USD`` form)."""
    from kraken_cli.config.settings import cache_dir
    from kraken_cli.services.market.symbols import cached_symbols

    try:
        symbols = cached_symbols(cache_dir())
    except Exception:
        return []
    typed = incomplete.upper()
    # typed without a slash: offer the compact spelling users type (BTCUSDT)
    forms = symbols if "/" in typed else [s.replace("/", "") for s in symbols]
    return [form for form in forms if form.upper().startswith(typed)]


def complete_interval(incomplete: str) -> list[str]:
    """Return the platform's interval names that start with ``incomplete``."""
    from kraken_cli.models.intervals import PLATFORM_NAMES

    return [name for name in PLATFORM_NAMES if name.startswith(incomplete.lower())]
