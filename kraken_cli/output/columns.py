"""Column specs per record kind, defined once: the first columns of csv and table output.

A record's other keys follow its spec's columns (SPEC: "at least these fields, in this order"),
so a spec orders and never hides. Batch commands pass the spec of their record kind; streams
pick theirs by the record's ``channel`` (:data:`STREAM`).
"""

from __future__ import annotations

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
