"""Column specs per record kind, defined once: the first columns of csv and table output.

A record's other keys follow its spec's columns (SPEC: "at least these fields, in this order"),
so a spec orders and never hides. Batch commands pass the spec of their record kind; streams
pick theirs by the record's ``channel`` (:data:`STREAM`). A :class:`TableView` says what a
terminal table of a kind shows by default and gives up first when narrow; ``--columns`` picks
exactly (:func:`pick`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kraken_cli.errors import UsageError

Columns = tuple[str, ...]

# -- market data (krx ticker / trades / candles / orderbook) --------------------------------
TICKER: Columns = ("symbol", "bid", "ask", "last", "volume_24h", "vwap_24h", "low_24h", "high_24h")
FUTURES_TICKER_EXTRA: Columns = ("mark_price", "index_price", "funding_rate", "open_interest")
TRADE: Columns = ("symbol", "trade_id", "time", "price", "volume", "side", "ord_type")
CANDLE: Columns = ("symbol", "time", "open", "high", "low", "close", "vwap", "volume", "count")
BOOK_LEVEL: Columns = ("symbol", "side", "price", "volume")

# -- account (krx account ...) ---------------------------------------------------------------
ORDER: Columns = (
    "order_id",
    "cl_ord_id",
    "symbol",
    "side",
    "type",
    "price",
    "volume",
    "filled",
    "status",
    "opened",
    "closed",
)
BALANCE: Columns = ("asset", "balance", "hold", "available")
ACCOUNT_TRADE: Columns = (
    "trade_id",
    "time",
    "price",
    "volume",
    "side",
    "ord_type",
    "symbol",
    "order_id",
)
VALUED_BALANCE: Columns = ("asset", "balance", "price", "value", "quote")
FEE_TIER: Columns = (
    "symbol",
    "taker_fee_pct",
    "maker_fee_pct",
    "volume_30d",
    "currency",
    "tier_volume",
    "next_volume",
    "next_taker_fee_pct",
    "next_maker_fee_pct",
)
LEDGER: Columns = ("ledger_id", "time", "type", "asset", "amount", "fee", "balance")
FUTURES_BALANCE: Columns = (*BALANCE, "account")
FUTURES_FILL: Columns = (*ACCOUNT_TRADE, "cl_ord_id", "fill_type")
#: Account record kinds (the ``KIND`` of ``models.account`` records) -> their columns.
ACCOUNT: dict[str, Columns] = {
    "balance": BALANCE,
    "futures_balance": FUTURES_BALANCE,
    "order": ORDER,
    "fill": ACCOUNT_TRADE,
    "futures_fill": FUTURES_FILL,
    "ledger": LEDGER,
    "fee_tier": FEE_TIER,
}

# -- tooling ---------------------------------------------------------------------------------
VERIFY: Columns = ("check", "ok", "detail")
CACHE_INFO: Columns = ("pair", "trades", "first", "last", "covered", "bytes")
HISTORY_IMPORT: Columns = ("file", "pair", "kind", "rows", "added", "skipped", "first", "last")
CONFIG_PATHS: Columns = ("order", "path", "via", "exists", "used")

# -- stream records (krx stream), keyed by their ``channel`` ----------------------------------
STREAM_TRADE: Columns = ("channel", *TRADE)
STREAM_TICKER: Columns = ("channel", *TICKER)
STREAM_CANDLE: Columns = ("channel", "symbol", "time", *CANDLE[2:], "interval")
#: A book line as csv rows: one row per level (``bids``/``asks`` flattened, ``side`` bid|ask).
STREAM_BOOK_LEVEL: Columns = (
    "channel",
    "symbol",
    "type",
    "time",
    "side",
    "price",
    "volume",
    "checksum",
)
STREAM_EXECUTION: Columns = (
    "channel",
    "symbol",
    "order_id",
    "exec_id",
    "exec_type",
    "order_status",
    "side",
    "order_type",
    "order_qty",
    "limit_price",
    "last_qty",
    "last_price",
    "cum_qty",
    "avg_price",
    "timestamp",
)
STREAM_BALANCE: Columns = ("channel", "symbol", "asset", "balance", "hold", "available")

#: channel -> columns of its records; a channel absent here has no flat shape (jsonl only).
STREAM: dict[str, Columns] = {
    "trade": STREAM_TRADE,
    "ticker": STREAM_TICKER,
    "ohlc": STREAM_CANDLE,
    "book": STREAM_BOOK_LEVEL,
    "executions": STREAM_EXECUTION,
    "balances": STREAM_BALANCE,
}
#: Channels whose records nest lists (book levels): csv flattens them, a live table cannot.
NESTED_STREAM = frozenset({"book"})


# -- terminal tables ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableView:
    """How a table of one record kind reads: what leads, what is left out, what goes first."""

    #: Columns first in the table, in this order (those a record has).
    lead: Columns = ()
    #: Left out by default; the table's footer names them and ``--columns`` brings them back.
    hide: Columns = ()
    #: Given up first, in this order, when the terminal is too narrow (then from the right).
    drop_first: Columns = ()
    #: Figures computed for the table only: json/jsonl/csv carry them only when picked.
    table_only: Columns = ()
    #: Said once in the table's title line instead of on every row (no marker needed).
    in_title: Columns = ()


TICKER_VIEW = TableView(
    lead=("symbol", "last", "change", "change_pct", "bid", "ask", "mark_price"),
    hide=("funding_rate_prediction", "bid_size", "ask_size", "last_time", "suspended", "tag"),
    drop_first=(
        "vwap_24h",
        "trades_24h",
        "open_24h",
        "index_price",
        "low_24h",
        "high_24h",
        "open_interest",
        "funding_rate",
        "change",
    ),
    table_only=("change", "change_pct"),
)
BOOK_VIEW = TableView(
    lead=("side", "price", "volume", "cum_volume"),
    table_only=("cum_volume",),
    in_title=("symbol",),
)
SYMBOL_VIEW = TableView(
    hide=("key", "altname", "wsname", "pair_decimals", "lot_decimals", "cost_decimals", "pair"),
    drop_first=("max_leverage", "costmin", "size_precision", "expiry", "perpetual"),
)
ORDER_VIEW = TableView(
    hide=(
        "cl_ord_id",
        "price2",
        "cost",
        "fee",
        "leverage",
        "oflags",
        "reason",
        "description",
        "stop_price",
        "reduce_only",
        "last_update",
    ),
    drop_first=("avg_price", "closed", "opened", "filled", "type"),
)
FILL_VIEW = TableView(hide=("cl_ord_id", "maker"), drop_first=("order_id", "fee", "ord_type"))
LEDGER_VIEW = TableView(hide=("subtype", "refid"), drop_first=("ledger_id", "fee"))
BALANCE_VIEW = TableView(hide=("asset_id",))
TRADE_VIEW = TableView(hide=("uid",), drop_first=("trade_id", "ord_type", "symbol"))
#: ``krx watch ticker``: a live board gives up the 24h volume before the 24h change.
TICKER_BOARD_VIEW = TableView(
    lead=TICKER_VIEW.lead,
    drop_first=("vwap_24h", "trades_24h", "low_24h", "high_24h", "volume_24h", "change"),
)
#: ``krx watch trades``: the time (of day) leads, like a tape.
TAPE_VIEW = TableView(
    lead=("time", "symbol", "side", "price", "volume"), drop_first=TRADE_VIEW.drop_first
)
CANDLE_VIEW = TableView(drop_first=("symbol", "count", "vwap"))
VALUED_VIEW = TableView(hide=("quote",))
VERIFY_VIEW = TableView(drop_first=("required", "warning"))
#: Account record kinds (as in :data:`ACCOUNT`) -> their table view.
ACCOUNT_VIEW: dict[str, TableView] = {
    "balance": BALANCE_VIEW,
    "futures_balance": BALANCE_VIEW,
    "order": ORDER_VIEW,
    "fill": FILL_VIEW,
    "futures_fill": FILL_VIEW,
    "ledger": LEDGER_VIEW,
    "fee_tier": TableView(drop_first=("tier_volume", "next_maker_fee_pct", "currency")),
}


def parse_columns(text: str | None) -> Columns | None:
    """Parse ``--columns a,b,c`` (spaces allowed); None when not given."""
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise UsageError("--columns needs at least one column name", hint="e.g. --columns a,b")
    return names


def picker(names: Sequence[str]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Return ``record -> record with exactly names``; an unknown name is a usage error.

    Checked on the first record (before anything is written), so ``| head`` stays lazy.
    """
    checked = False

    def one(record: Mapping[str, Any]) -> dict[str, Any]:
        nonlocal checked
        if not checked:
            unknown = [name for name in names if name not in record]
            if unknown:
                raise UsageError(
                    f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
                    hint="columns here: " + ", ".join(record),
                )
            checked = True
        return {name: record[name] for name in names}

    return one


def pick(records: Iterable[Mapping[str, Any]], names: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Yield each record with exactly ``names``, in that order (see :func:`picker`)."""
    return map(picker(names), records)


def without(records: Iterable[Mapping[str, Any]], keys: Columns) -> Iterator[Mapping[str, Any]]:
    """Yield records without ``keys`` (a view's table-only figures, for json/jsonl/csv)."""
    if not keys:
        yield from records
        return
    for record in records:
        yield {key: value for key, value in record.items() if key not in keys}
