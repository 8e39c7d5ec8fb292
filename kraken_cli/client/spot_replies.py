"""Replies of the spot public endpoints one-shot commands rarely call: time, status, trades, OHLC.

Apart from :mod:`kraken_cli.client.spot_public` so that ``krx ticker`` does not create them
(start-up, issue 17); still importable from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kraken_cli.models.market import Candle, Trade


@dataclass(frozen=True)
class ServerTime:
    """Kraken's clock: whole unix seconds and the RFC 1123 text (2-digit year on the wire)."""

    unixtime: int
    rfc1123: str


@dataclass(frozen=True)
class SystemStatus:
    """Trading state of the exchange and Kraken's timestamp of the answer (1-s resolution)."""

    status: str
    timestamp: datetime


@dataclass(frozen=True)
class TradesPage:
    """One page of ``Trades``: the rows and the nanosecond cursor for the next page."""

    trades: list[Trade]
    last: str


@dataclass(frozen=True)
class OhlcPage:
    """One ``OHLC`` answer: up to 720 rows (the last one still forming) and ``last``."""

    candles: list[Candle]
    last: int | None
