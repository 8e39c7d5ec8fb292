"""Option checks shared by the commands: finite numbers within stated bounds (exit 2).

click's ``FloatRange`` lets ``nan`` through (every comparison with NaN is false) and accepts
``inf``; these callbacks refuse both before any network use, naming the accepted range.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import typer

#: Upper bounds of time-like options (generous; past them the value is a typo or an attack).
MAX_DAYS = 10_000.0
MAX_SECONDS = 10 * 365 * 86_400.0
MAX_WATCHDOG_S = 86_400.0
MAX_SANDBOX_HISTORY_DAYS = 366.0


def finite(
    low: float, high: float, *, low_open: bool = False, unit: str = ""
) -> Callable[[float | None], float | None]:
    """Return a Typer callback accepting finite values in ``low..high`` (``low`` excluded)."""
    lower = f"> {low:g}" if low_open else f">= {low:g}"
    wanted = f"a finite number {lower} and <= {high:g}{(' ' + unit) if unit else ''}"

    def check(value: float | None) -> float | None:
        if value is None:
            return None
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise typer.BadParameter(f"{value!r} is not {wanted}")
        return value

    return check


#: Callbacks for the options the issue names; each a positive, finite, bounded number.
days = finite(0, MAX_DAYS, low_open=True, unit="days")
seconds = finite(0, MAX_SECONDS, low_open=True, unit="seconds")
watchdog = finite(0, MAX_WATCHDOG_S, low_open=True, unit="seconds")
sandbox_days = finite(0, MAX_SANDBOX_HISTORY_DAYS, low_open=True, unit="days")
non_negative = finite(0, 1e9)
probability = finite(0, 1)
any_finite = finite(-1e9, 1e9)
