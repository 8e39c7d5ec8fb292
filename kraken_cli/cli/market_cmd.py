"""Public market-data commands: status, symbols, assets, ticker, orderbook, trades, candles."""

# No `from __future__ import annotations`: typer reads the commands' annotations when it
# builds one, and evaluated ones spare it compiling each string (~1 ms a command).
from typing import Annotated

import typer

from kraken_cli.cli import validate
from kraken_cli.cli.common import emit, emit_object, explain, get_state, stdout_sink
from kraken_cli.cli.complete import complete_interval, complete_symbol
from kraken_cli.cli.markets import SPOT, MarketOption, market_data
from kraken_cli.output.columns import BOOK_LEVEL as BOOK_COLUMNS
from kraken_cli.output.columns import FUTURES_TICKER_EXTRA
from kraken_cli.output.columns import TICKER as TICKER_COLUMNS
from kraken_cli.output.columns import TRADE as TRADE_COLUMNS
from kraken_cli.services.market.request import Window

# Options several commands share (typer reads the help from these aliases).
SymbolArg = Annotated[
    str, typer.Argument(help="Symbol, e.g. BTCUSDT.", autocompletion=complete_symbol)
]
SinceOption = Annotated[str | None, typer.Option(help="Start: ISO-8601, unix s, or 2h/7d.")]
UntilOption = Annotated[str | None, typer.Option(help="End (exclusive), same forms.")]
IntervalArg = Annotated[
    str,
    typer.Argument(
        help="min1 min5 min15 min30 h1 h4 day week, 60, 1h...", autocompletion=complete_interval
    ),
]
PartialOption = Annotated[
    bool, typer.Option("--partial", help="Include the still-forming last candle.")
]
FillOption = Annotated[
    bool,
    typer.Option(
        "--fill",
        help="Spot: add a flat candle (previous close, volume 0, count 0) for each "
        "interval without trades; by default they are omitted, like Kraken does.",
    ),
]
ChartOption = Annotated[
    bool,
    typer.Option(
        "--chart", help="Draw a candle chart with volume (a picture for a person, not data)."
    ),
]
TickTypeOption = Annotated[
    str, typer.Option("--tick-type", help="Futures only: trade | mark | spot prices.")
]


def status(ctx: typer.Context) -> None:
    """Show Kraken's system status, server time and the local clock skew.

    The skew is round-trip corrected (best of 3 probes); positive means the local clock is ahead.

    Example: krx status
    """
    with market_data(ctx, SPOT) as md:
        emit([md.status().to_record()], ctx=ctx)


def symbols(
    ctx: typer.Context,
    quote: Annotated[str | None, typer.Option(help="Only pairs quoted in this asset.")] = None,
    market: MarketOption = None,
) -> None:
    """List tradable pairs with their precision and order minimums.

    --market margin lists the spot pairs that can be traded with leverage; --market futures
    lists Kraken Futures contracts (PF_XBTUSD perpetuals, FF_/FI_ fixed maturities).

    \b
    Examples:
      krx symbols --quote USD
      krx symbols --market futures --quote USD
    """
    from kraken_cli.output import views

    with market_data(ctx, market) as md:
        pairs = md.symbols(quote)
        emit([pair.to_record() for pair in pairs], view=views.SYMBOL_VIEW, ctx=ctx)
    explain(pairs)


def assets(ctx: typer.Context) -> None:
    """List assets: canonical code (BTC, not XBT), Kraken id, altname and precision.

    Example: krx assets --format csv
    """
    with market_data(ctx, SPOT) as md:
        emit([asset.to_record() for asset in md.assets()], ctx=ctx)


def ticker(
    ctx: typer.Context,
    symbol: Annotated[
        list[str],
        typer.Argument(
            help="One or more symbols, e.g. BTCUSDT ETH/USD.", autocompletion=complete_symbol
        ),
    ],
    market: MarketOption = None,
) -> None:
    """Show bid, ask, last, change and 24-hour figures for one or more symbols (one request).

    The table adds change and change_pct: spot against today's open (00:00 UTC, Kraken's
    `o`), futures against the open 24 hours ago; other formats add them with --columns.
    Futures rows add mark/index price, funding rate and open interest.

    \b
    Examples:
      krx ticker BTCUSDT ETH/USD
      krx ticker PF_XBTUSD PF_ETHUSD --market futures
    """
    from kraken_cli.models.change import change_record, ticker_change
    from kraken_cli.output import views

    with market_data(ctx, market) as md:
        records = [t.to_record() | change_record(ticker_change(t)) for t in md.ticker(symbol)]
    spec = (*TICKER_COLUMNS, *FUTURES_TICKER_EXTRA)  # extras lead only where the rows have them
    columns = [c for c in spec if not records or c in records[0]]
    emit(records, columns, view=views.TICKER_VIEW, ctx=ctx)


def orderbook(
    ctx: typer.Context,
    symbol: SymbolArg,
    depth: Annotated[int, typer.Option(help="Levels per side (1..500).")] = 10,
    market: MarketOption = None,
) -> None:
    """Show the order book: one row per level (bids, then asks).

    The table adds cum_volume (depth from the best level) and heads with spread and mid.

    With --format json: {"symbol", "bids": [[price, volume], ...], "asks": [...], "checksum"},
    where checksum is Kraken's CRC32 of the top 10 levels at the pair's precision (futures
    books carry no checksum: null).

    \b
    Examples:
      krx orderbook BTCUSD --depth 5 --format json
      krx orderbook PF_XBTUSD --market futures --depth 5
    """
    from kraken_cli.models.figures import book_spread, depth_records
    from kraken_cli.output import views

    with market_data(ctx, market) as md:
        book = md.orderbook(symbol, depth)
    state = get_state(ctx)
    if state.format == "json" and not state.columns:
        emit_object(book.to_object(), ctx=ctx)
        return
    top = book_spread(book)
    title = book.symbol
    if top is not None:
        bps = "" if top.spread_bps is None else f" ({top.spread_bps} bp)"
        title = f"{book.symbol}  spread {top.spread}{bps}  mid {top.mid}"
    emit(depth_records(book), BOOK_COLUMNS, title=title, view=views.BOOK_VIEW, ctx=ctx)


def trades(
    ctx: typer.Context,
    symbol: SymbolArg,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int | None, typer.Option(help="At most N trades.")] = None,
    market: MarketOption = None,
) -> None:
    """Show public trades: the latest ones, or every trade from --since (paged, gapless).

    \b
    Examples:
      krx trades BTCUSDT --since 30m --limit 500
      krx trades PF_XBTUSD --market futures --limit 20
    """
    from kraken_cli.output import views

    with market_data(ctx, market) as md:
        rows = md.trades(symbol, Window(since, until), limit)
        emit((t.to_record() for t in rows), TRADE_COLUMNS, view=views.TRADE_VIEW, ctx=ctx)
    explain(rows)


def candles(
    ctx: typer.Context,
    symbol: SymbolArg,
    interval: IntervalArg,
    days: Annotated[
        float | None, typer.Option(help="The last N days.", callback=validate.days)
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    partial: PartialOption = False,
    fill: FillOption = False,
    market: MarketOption = None,
    tick_type: TickTypeOption = "trade",
    chart: ChartOption = False,
) -> None:
    """Show OHLC candles. The still-forming last candle is left out unless --partial.

    Without --days/--since: the whole OHLC window (up to 720 candles); for futures, the last
    day. Futures candles come from the charts API (any range it serves; h2 and month are
    aggregated) and have no vwap/count.

    Intervals without trades have no candle (as in Kraken's OHLC); --fill adds a flat one at
    the previous close (open = high = low = close = vwap, volume 0, count 0).

    \b
    Examples:
      krx candles BTCUSDT h1 --days 7
      krx candles DOGEUSD min1 --since 2h --fill
      krx candles PF_XBTUSD h1 --days 2 --market futures --tick-type mark
      krx candles BTCUSD h1 --days 3 --chart
    """
    from kraken_cli.output import views

    if chart:
        from kraken_cli.cli.chart_out import check_chart_format, draw_chart

        check_chart_format(ctx)
    window = Window(since, until, days)
    with market_data(ctx, market) as md:
        rows = md.candles(symbol, interval, window, partial=partial, fill=fill, tick_type=tick_type)
        if chart:
            draw_chart([c.to_record() for c in rows], interval)
        else:
            from kraken_cli.output.candles import write_candles

            write_candles(stdout_sink(ctx), rows, view=views.CANDLE_VIEW)
    explain(rows)


def register(app: typer.Typer) -> None:
    """Add the market-data commands to ``app``."""
    for command in (status, symbols, assets, ticker, orderbook, trades, candles):
        app.command()(command)
