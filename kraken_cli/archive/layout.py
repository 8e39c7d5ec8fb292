"""Where archive files live: Hive partitions, part names, and what counts as committed.

``DIR/exchange=kraken/market=spot/channel=trades/symbol=BTC-USD/date=2026-11-30/part-*.parquet``
(SPEC.md § "krx archive"). A part is written under a hidden temporary name and renamed when
complete, so every visible ``*.parquet`` file is whole: DuckDB's ``*.parquet`` glob and Spark
(which skips names starting with ``.``) never see a file being written.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

EXCHANGE = "kraken"
TMP_SUFFIX = ".tmp"


def default_root() -> Path:
    """Return the archive directory used without ``--archive``/``KRX_ARCHIVE``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("krx", appauthor=False)) / "archive"


#: Kraken's own servers (spot, futures): the default archive holds their tapes.
KRAKEN_REST = "https://api.kraken.com"
KRAKEN_FUTURES = "https://futures.kraken.com"


def trades_archive_root(rest_url: str, market: str) -> Path | None:
    """Return the archive whose trades ``krx candles`` may read for this server, or None.

    ``KRX_ARCHIVE``, else the default archive, the latter for Kraken itself only (a sandbox's
    tape is not Kraken's); None when it holds no trades of ``market``.
    """
    named = os.environ.get("KRX_ARCHIVE")
    if named:
        root = Path(named)
    elif rest_url.rstrip("/") in (KRAKEN_REST, KRAKEN_FUTURES):
        root = default_root()
    else:
        return None
    trades = root / f"exchange={EXCHANGE}" / f"market={market}" / "channel=trades"
    return root if trades.is_dir() else None


def symbol_key(symbol: str) -> str:
    """Return the partition value of a symbol (``BTC/USD`` -> ``BTC-USD``: no slash in a path)."""
    return symbol.replace("/", "-")


def partition_dir(root: Path, market: str, channel: str, symbol: str, day: date) -> Path:
    """Return the directory of one channel's symbol-day."""
    return (
        root
        / f"exchange={EXCHANGE}"
        / f"market={market}"
        / f"channel={channel}"
        / f"symbol={symbol_key(symbol)}"
        / f"date={day.isoformat()}"
    )


def part_name(opened: datetime) -> str:
    """Return a new part's final name: its opening time, then a random tag (never reused)."""
    return f"part-{opened:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:10]}.parquet"


def temporary(final: Path) -> Path:
    """Return the hidden name a part is written under until it is complete."""
    return final.with_name(f".{final.name}{TMP_SUFFIX}")


def committed(root: Path, pattern: str = "**/*.parquet") -> Iterator[Path]:
    """Yield every visible (complete) part below ``root``."""
    for path in root.glob(pattern):
        if not path.name.startswith("."):
            yield path


def remove_leftovers(root: Path) -> int:
    """Delete temporary parts left by a run that was killed; return how many."""
    count = 0
    for path in root.glob(f"**/.*{TMP_SUFFIX}"):
        path.unlink(missing_ok=True)
        count += 1
    return count


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
