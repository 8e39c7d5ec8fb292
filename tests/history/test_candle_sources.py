"""Candles from imported archives: trades win over archive OHLCVT rows where both cover a candle."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kraken_cli.models.symbols import SymbolIndex
from kraken_cli.services.history.archive_csv import discover
from kraken_cli.services.history.candle_sources import (
    ARCHIVE,
    TRADES,
    plan_segments,
    stored_candles,
)
from kraken_cli.services.history.importer import import_archives
from kraken_cli.services.history.store import TradeStore
from tests.history.test_import import ARCHIVE as FIXTURES
from tests.market.market_samples import asset_pairs_body, assets_body

DAY = 86_400
JAN1 = 1_577_836_800  # 2020-01-01, inside the XBTUSD daily archive


def test_trades_beat_archive_candles_where_they_cover_a_whole_day(tmp_path: Path) -> None:
    trades = tmp_path / "XBTUSD.csv"
    rows = [(JAN1, "7000.1", "0.5"), (JAN1, "7001.0", "0.25"), (JAN1 + 40000, "6900.0", "1")]
    rows.append((JAN1 + DAY - 1, "7100.0", "2"))
    trades.write_text("".join(f"{t},{p},{v}\n" for t, p, v in rows))
    pair = SymbolIndex.build(asset_pairs_body()["result"], assets_body()["result"]).lookup("XBTUSD")
    assert pair is not None
    with TradeStore(tmp_path / "t.sqlite") as store:
        files = discover([FIXTURES / "XBTUSD_1440.csv", trades])
        import_archives(store, files, lambda f: "XXBTZUSD")
        start, end = JAN1 - 2 * DAY, JAN1 + 2 * DAY
        assert [
            (s.start, s.end, s.source) for s in plan_segments(store, "XXBTZUSD", DAY, start, end)
        ] == [
            (start, JAN1, ARCHIVE),
            (JAN1, JAN1 + DAY, TRADES),
            (JAN1 + DAY, end, ARCHIVE),
        ]

        def sync(lo: int, hi: int) -> None:  # what sync_trades would download: nothing
            assert store.missing("XXBTZUSD", lo * 10**9 - 1, hi * 10**9 - 1) == []

        candles = list(stored_candles(store, "XXBTZUSD", pair, DAY, start, end, sync))
    assert [c.time for c in candles] == [JAN1 - 2 * DAY, JAN1 - DAY, JAN1, JAN1 + DAY]
    day = candles[2]
    assert (day.open, day.high, day.low, day.close) == (
        Decimal("7000.1"),
        Decimal("7100.0"),
        Decimal("6900.0"),
        Decimal("7100.0"),
    )
    assert (day.volume, day.count, day.vwap is not None) == (Decimal("3.75000000"), 4, True)
    assert candles[1].vwap is None and candles[1].count > 4  # the archive's own row
