"""The tools ``krx mcp`` offers: name, description an agent can act on, argument schema, call.

Argument names are the CLI's option names (``since``, ``days``, ``market`` ...) and accept the
same forms; each tool's result is the list of records ``krx ... --format json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kraken_cli.mcp import orders
from kraken_cli.mcp.calls import Calls
from kraken_cli.models.intervals import ACCEPTED_HELP as INTERVALS
from kraken_cli.models.times import ACCEPTED_HELP as TIMES

Schema = dict[str, Any]


@dataclass(frozen=True)
class Tool:
    """One MCP tool: what it is for, what it takes, and the call that answers it."""

    name: str
    description: str
    properties: Schema
    call: Callable[..., Any]
    required: tuple[str, ...] = ()
    trading: bool = False
    #: argument name -> keyword of ``call`` where they differ (``type`` -> ``kind``)
    rename: dict[str, str] = field(default_factory=dict)

    @property
    def input_schema(self) -> Schema:
        """Return the JSON schema of the tool's arguments (no unknown arguments allowed)."""
        return {
            "type": "object",
            "properties": self.properties,
            "required": list(self.required),
            "additionalProperties": False,
        }

    def run(self, calls: Calls, arguments: dict[str, Any]) -> Any:
        """Call the service with validated ``arguments``."""
        kwargs = {self.rename.get(k, k): v for k, v in arguments.items()}
        return self.call(calls, **kwargs)


def _text(description: str, **extra: Any) -> Schema:
    return {"type": "string", "minLength": 1, "description": description, **extra}


def _int(description: str, low: int, high: int | None = None, **extra: Any) -> Schema:
    bounds = {"minimum": low} | ({"maximum": high} if high is not None else {})
    return {"type": "integer", "description": description, **bounds, **extra}


def _flag(description: str) -> Schema:
    return {"type": "boolean", "default": False, "description": description}


SYMBOL = _text(
    "Pair, any case: BTCUSDT, BTC/USDT, XBTUSDT or XXBTZUSD (BTC and XBT are the same asset); "
    "futures contracts like PF_XBTUSD with market=futures. An unknown symbol is an error "
    "that lists close matches."
)
INTERVAL = _text(f"Candle interval, one of: {INTERVALS}. Example: h1, 15m, 1440.")
SINCE = _text(f"Start of the window (inclusive): {TIMES}.")
UNTIL = _text(f"End of the window (exclusive): {TIMES}. Default: now.")
MARKET = {
    "type": "string",
    "enum": ["spot", "margin", "futures"],
    "description": "Market segment (default: spot, or the config's only market type).",
}
SPOT_FUTURES = MARKET | {"enum": ["spot", "futures"]}
ROWS = _int("Most rows to return (fetched 50 per page).", 1, 10_000, default=50)
PRICE = _text("Decimal as text, exactly as Kraken takes it, e.g. 50000.5 (never a float).")


def _read_tools() -> list[Tool]:
    return [
        Tool(
            "status",
            "Kraken's system status (online, maintenance ...), server time and the local "
            "clock skew (round-trip corrected; positive = local clock ahead).",
            {},
            Calls.status,
        ),
        Tool(
            "symbols",
            "Tradable pairs with precision, tick size and order minimums. market=margin "
            "lists pairs tradable with leverage (max_leverage); market=futures lists Kraken "
            "Futures contracts (PF_ perpetuals, FF_/FI_ fixed maturities).",
            {"quote": _text("Only pairs quoted in this asset, e.g. USD, EUR."), "market": MARKET},
            Calls.symbols,
        ),
        Tool(
            "assets",
            "Assets: canonical code (BTC, not XBT), Kraken id, altname and decimals.",
            {},
            Calls.assets,
        ),
        Tool(
            "ticker",
            "Bid, ask, last price and 24-hour volume/vwap/low/high for one or more symbols in "
            "one request; futures rows add mark/index price, funding rate and open interest.",
            {
                "symbols": {
                    "type": "array",
                    "items": SYMBOL,
                    "minItems": 1,
                    "description": 'Symbols, e.g. ["BTCUSDT", "ETH/USD"].',
                },
                "market": SPOT_FUTURES,
            },
            Calls.ticker,
            required=("symbols",),
        ),
        Tool(
            "orderbook",
            "Order book snapshot: {symbol, bids: [[price, volume], ...], asks, checksum}; "
            "best levels first; checksum is Kraken's CRC32 of the top 10 levels (futures: null).",
            {
                "symbol": SYMBOL,
                "depth": _int("Levels per side.", 1, 500, default=10),
                "market": SPOT_FUTURES,
            },
            Calls.orderbook,
            required=("symbol",),
        ),
        Tool(
            "trades",
            "Public trades: the latest ones, or every trade from `since` (paged and gapless), "
            "oldest first. Example: symbol=BTCUSDT, since=30m, limit=500.",
            {
                "symbol": SYMBOL,
                "since": SINCE,
                "until": UNTIL,
                "limit": _int("At most this many trades.", 1, 100_000),
                "market": SPOT_FUTURES,
            },
            Calls.trades,
            required=("symbol",),
        ),
        Tool(
            "candles",
            "OHLC candles (time, open, high, low, close, vwap, volume, count), oldest first, "
            "over ANY range: beyond Kraken's 720 rows they are built from the trade history "
            "(a long min1 range can take minutes; progress is reported). Without days/since: "
            "the last 720 candles. The still-forming candle is left out unless partial=true. "
            "Examples: {symbol: BTCUSDT, interval: h1, days: 7}; "
            "{symbol: ETH/USD, interval: 15m, since: 2026-11-01, until: 2026-11-02}.",
            {
                "symbol": SYMBOL,
                "interval": INTERVAL,
                "days": {"type": "number", "exclusiveMinimum": 0, "description": "Last N days."},
                "since": SINCE,
                "until": UNTIL,
                "partial": _flag("Include the still-forming last candle."),
                "fill": _flag(
                    "Spot: add a flat candle (previous close, volume 0) for intervals without "
                    "trades; by default they are omitted, like Kraken does."
                ),
                "market": SPOT_FUTURES,
                "tick_type": {
                    "type": "string",
                    "enum": ["trade", "mark", "spot"],
                    "default": "trade",
                    "description": "Futures only: which price the candles follow.",
                },
            },
            Calls.candles,
            required=("symbol", "interval"),
        ),
        *_account_tools(),
        Tool(
            "verify",
            "Runtime proof of the set-up, one row per check (check, ok, detail): "
            "connectivity, clock skew, key accepted, each permission probed. Never places "
            "an order (the AddOrder probe is validate-only).",
            {"symbol": _text("Pair for the validate-only AddOrder probe."), "market": MARKET},
            Calls.verify,
        ),
        Tool(
            "cache_info",
            "The local trade store behind long candle ranges: per pair, trades held, time "
            "span, ranges known complete, bytes on disk.",
            {},
            Calls.cache_info,
        ),
    ]


def _archive_tools() -> list[Tool]:
    return [
        Tool(
            "query",
            "One SQL SELECT (DuckDB) over the Parquet archive written by `krx archive`: views "
            "trades, book, ticker, candles, each with the columns exchange, market, symbol "
            "(BTC/USD) and date (YYYY-MM-DD). Only the archive can be read; nothing is written. "
            "Example: SELECT symbol, count(*) AS n, sum(volume) AS volume FROM trades "
            "WHERE date = '2026-11-30' GROUP BY 1.",
            {"sql": _text("One SELECT statement.")},
            Calls.query,
            required=("sql",),
        )
    ]


def _account_tools() -> list[Tool]:
    window = {"since": SINCE, "until": UNTIL, "limit": ROWS}
    return [
        Tool(
            "account_balance",
            "Balances of the configured key per asset: balance, hold (in open orders) and "
            "available. Needs the key's Query Funds permission.",
            {"market": SPOT_FUTURES},
            Calls.balance,
        ),
        Tool(
            "account_balance_valued",
            "Spot balances valued in one currency: asset, balance, quote, price (last trade of "
            "the asset's direct pair with the quote), value (exact); value null: no such pair.",
            {"quote": _text("Currency to value in, e.g. USD, EUR, USDT.", default="USD")},
            Calls.valued_balance,
        ),
        Tool(
            "account_fees",
            "The key's fee tier (TradeVolume): taker and maker fee in percent, 30-day volume, "
            "the next tier's volume and fees, per pair (default BTC/USD).",
            {"symbols": {"type": "array", "items": SYMBOL, "description": "Pairs, e.g. BTCUSD."}},
            Calls.fees,
        ),
        Tool(
            "account_trade_balance",
            "Margin summary (equity, free margin, margin level) valued in one asset; "
            "market=futures gives one row per futures margin account.",
            {"asset": _text("Valuation asset, e.g. ZUSD, ZEUR.", default="ZUSD"), "market": MARKET},
            Calls.trade_balance,
        ),
        Tool(
            "account_orders",
            "Open orders of the key (order_id, cl_ord_id, symbol, side, type, price, volume, "
            "filled, status, opened).",
            {"cl_ord_id": _text("Only the order with this client order id."), "market": MARKET},
            Calls.open_orders,
        ),
        Tool(
            "account_closed_orders",
            "Closed and cancelled spot orders, newest first. Example: since=7d, limit=200.",
            window,
            Calls.closed_orders,
        ),
        Tool(
            "account_trades",
            "The key's own fills, newest first (futures: the latest fills Kraken keeps).",
            window | {"market": SPOT_FUTURES},
            Calls.own_trades,
        ),
        Tool(
            "account_ledger",
            "Ledger entries (trades, deposits, withdrawals, fees), newest first.",
            window
            | {
                "asset": _text("Comma list of assets, e.g. XBT,USD."),
                "type": _text("Entry type: trade, deposit, withdrawal, margin, ..."),
            },
            Calls.ledger,
            rename={"type": "kind"},
        ),
        Tool(
            "account_positions",
            "Open margin positions with unrealised P&L (market=margin), or futures positions "
            "(market=futures).",
            {"market": MARKET, "consolidate": _flag("Margin: one row per market.")},
            Calls.positions,
        ),
    ]


def _order_types() -> list[str]:
    from kraken_cli.services.trading import futures, pair_checks

    return sorted({*pair_checks.ORDER_TYPES, *futures.ORDER_TYPES})


def _trading_tools() -> list[Tool]:
    order_id = _text("Order id (OXXXXX-XXXXX-XXXXXX) or client order id.")
    return [
        Tool(
            "order_add",
            "Place an order: checked locally (tick, lot, minimums), then validated by Kraken "
            "(validate=true), then placed once. Returns the validation record and the placed "
            "record (status validated / placed / placed-after-timeout). cl_ord_id is REQUIRED: "
            "choose a fresh UUID per intended order and reuse it when retrying the same call; "
            "if an order with that id exists, it is returned and nothing is sent. "
            "validate_only=true stops after Kraken's validation.",
            {
                "symbol": SYMBOL,
                "side": {"type": "string", "enum": ["buy", "sell"]},
                "volume": _text("Volume in the base asset (futures: contracts), e.g. 0.001."),
                "cl_ord_id": _text(
                    "Client order id: a UUID, or up to 18 ASCII characters.", maxLength=36
                ),
                "type": {
                    "type": "string",
                    "enum": _order_types(),
                    "default": "limit",
                    "description": "Spot: market, limit, stop-loss, take-profit, "
                    "stop-loss-limit, take-profit-limit. Futures: limit, market, post, ioc, "
                    "stop, take-profit.",
                },
                "price": PRICE | {"description": "Limit price, or trigger price of stop types."},
                "price2": PRICE | {"description": "Spot: the limit price of *-limit types."},
                "leverage": _text("Margin leverage, e.g. 2 (required for market=margin)."),
                "post_only": _flag("Spot: maker only (limit orders)."),
                "reduce_only": _flag("Only reduce a position."),
                "trigger_price": PRICE | {"description": "Futures: stop/take-profit trigger."},
                "trigger_signal": {"type": "string", "enum": ["mark", "index", "last"]},
                "market": MARKET,
                "validate_only": _flag("Stop after Kraken's validation; nothing is placed."),
            },
            orders.add,
            required=("symbol", "side", "volume", "cl_ord_id"),
            trading=True,
        ),
        Tool(
            "order_amend",
            "Amend an open order in place (keeps its id and, where possible, queue priority).",
            {
                "order_id": order_id,
                "volume": _text("New total volume."),
                "price": PRICE | {"description": "New limit price."},
                "trigger_price": PRICE | {"description": "New trigger price."},
                "post_only": _flag("Reject the amend if it would take liquidity."),
                "symbol": _text("The order's pair, to check tick and lot size first."),
                "market": SPOT_FUTURES,
            },
            orders.amend,
            required=("order_id",),
            trading=True,
        ),
        Tool(
            "order_cancel",
            "Cancel one or more orders by order id or client order id (futures: a UUID is "
            "taken as Kraken's order_id, so cancel a futures order by its order_id).",
            {
                "order_ids": {"type": "array", "items": order_id, "minItems": 1},
                "market": SPOT_FUTURES,
            },
            orders.cancel,
            required=("order_ids",),
            trading=True,
        ),
        Tool(
            "order_cancel_all",
            "Cancel EVERY open order of the key (futures: optionally only one contract's).",
            {"market": SPOT_FUTURES, "symbol": _text("Futures: only this contract's orders.")},
            orders.cancel_all,
            trading=True,
        ),
    ]


def tools(allow_trading: bool, archive: bool = False) -> dict[str, Tool]:
    """Return the tools by name: the read tools, plus query and the order tools when enabled."""
    found = _read_tools() + (_archive_tools() if archive else [])
    found += _trading_tools() if allow_trading else []
    return {t.name: t for t in found}
