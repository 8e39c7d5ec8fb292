"""``krx candles --chart``: when a chart is drawn instead of data, and where it goes."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import typer

from kraken_cli.cli.common import get_state, info
from kraken_cli.errors import UsageError


def check_chart_format(ctx: typer.Context) -> None:
    """Refuse ``--format`` with ``--chart`` on the command line (exit 2): a picture is not data.

    ``KRX_FORMAT`` is a standing default for data commands; an explicit ``--chart`` wins over it.
    """
    state = get_state(ctx)
    if state.format_given and not os.environ.get("KRX_FORMAT"):
        raise UsageError(
            f"--chart draws a picture; --format {state.format} writes data",
            hint="drop one of them: the same command without --chart writes the candles",
        )


def draw_chart(records: Sequence[Mapping[str, Any]], interval: str) -> None:
    """Draw ``records`` as a chart on stdout; say so on stderr when there is nothing to draw."""
    if not records:
        info("no candles in this window: nothing to chart")
        return
    from kraken_cli.output.chart import write_chart

    write_chart(records, title=f"{records[0].get('symbol', '')} {interval}", out=sys.stdout)
