"""How a terminal table of each record kind reads: what leads, what is left out by default,
and what is given up first when the terminal is narrow (loaded only when a table is drawn)."""

from __future__ import annotations

from typing import NamedTuple

from kraken_cli.output.columns import Columns


class TableView(NamedTuple):
    """How a table of one record kind reads: what leads, what is left out, what goes first.

    A NamedTuple, not a dataclass: about a tenth of the cost to create (start-up, issue 17).
    """

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
