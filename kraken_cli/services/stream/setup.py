"""Turn ``krx stream`` arguments or the config's subscriptions into stream requests.

Also the glue to the REST client for backfill (Trades, OHLC) and to the private client for the
WebSocket token. Resolution of user symbols is injected (the market service's resolver).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from kraken_cli.client.book import DEPTHS
from kraken_cli.config.settings import Settings, SubscriptionSpec
from kraken_cli.errors import KrakenError, UsageError
from kraken_cli.services.stream.channels import FetchOhlc, FetchTrades
from kraken_cli.services.stream.records import (
    CHANNELS,
    OHLC_INTERVALS,
    SYMBOL_CHANNELS,
    StreamPair,
    StreamRequest,
)

Resolve = Callable[[Sequence[str]], list[StreamPair]]

#: Config subscription type -> WS v2 channel.
SUBSCRIPTION_TYPES = {
    "PROVIDER_MARKETDATA_CANDLE": "ohlc",
    "PROVIDER_MARKETDATA_TRADE": "trade",
    "PROVIDER_MARKETDATA_ORDERBOOK": "book",
    "PROVIDER_MARKETDATA_TICKER": "ticker",
}


def stream_pair(pair: Any) -> StreamPair:
    """Build a StreamPair from the market resolver's ``Pair``."""
    return StreamPair(
        symbol=pair.symbol,
        rest_pair=pair.altname,
        price_decimals=int(pair.pair_decimals),
        qty_decimals=int(pair.lot_decimals),
    )


def native_minutes(text: str | int | None) -> int:
    """Return a native WS ohlc interval in minutes from any accepted interval spelling."""
    if text is None:
        return 1
    from kraken_cli.models.intervals import parse_interval

    interval = parse_interval(str(text))
    if interval.minutes not in OHLC_INTERVALS:
        raise UsageError(
            f"interval {text} is not streamed by Kraken",
            hint="stream one of min1 min5 min15 min30 h1 h4 day week (or 21600 minutes)",
        )
    return interval.minutes


def check_depth(depth: int) -> int:
    """Validate a book depth against Kraken's accepted values."""
    if depth not in DEPTHS:
        raise UsageError(
            f"book depth {depth} is not offered",
            hint="use one of " + ", ".join(str(d) for d in DEPTHS),
        )
    return depth


def wire_channel(channel: str) -> str:
    """Return the WS v2 channel of a user's channel name (``trades`` -> ``trade``); exit 2 else."""
    wire = CHANNELS.get(channel.lower())
    if wire is None:
        raise UsageError(
            f"unknown channel {channel!r}",
            hint="use one of trades, ticker, candles, book, instrument, executions, balances",
        )
    return wire


def planned_channels(
    channel: str | None, subscriptions: Sequence[SubscriptionSpec]
) -> frozenset[str]:
    """Return the channels a stream will write, before any symbol is resolved (no network)."""
    if channel is not None:
        return frozenset({wire_channel(channel)})
    return frozenset(
        SUBSCRIPTION_TYPES[sub.type]
        for sub in subscriptions
        if sub.active and sub.symbols and sub.type in SUBSCRIPTION_TYPES
    )


def requests_for(
    channel: str,
    symbols: Sequence[str],
    *,
    resolve: Resolve,
    interval: str | None = None,
    depth: int = 10,
) -> list[StreamRequest]:
    """Build the request of ``krx stream CHANNEL SYMBOL...``."""
    wire = wire_channel(channel)
    if wire in SYMBOL_CHANNELS:
        if not symbols:
            raise UsageError(f"`krx stream {channel}` needs at least one SYMBOL")
        pairs = tuple(resolve(symbols))
    else:
        if symbols:
            raise UsageError(f"`krx stream {channel}` takes no symbol")
        pairs = ()
    return [
        StreamRequest(
            wire,
            pairs,
            interval=native_minutes(interval) if wire == "ohlc" else None,
            depth=check_depth(depth) if wire == "book" else 10,
        )
    ]


def requests_from_config(
    subscriptions: Sequence[SubscriptionSpec], *, resolve: Resolve, depth: int = 10
) -> list[StreamRequest]:
    """Build the requests of the config's active subscriptions (one connection)."""
    out: list[StreamRequest] = []
    for sub in subscriptions:
        if not sub.active:
            continue
        wire = SUBSCRIPTION_TYPES.get(sub.type)
        if wire is None or not sub.symbols:
            continue
        pairs = tuple(resolve(sub.symbols))
        if wire == "ohlc":
            for text in sub.intervals or ("min1",):
                out.append(StreamRequest("ohlc", pairs, interval=native_minutes(text)))
        else:
            out.append(StreamRequest(wire, pairs, depth=check_depth(depth)))
    if not out:
        raise UsageError(
            "the config has no active market-data subscription",
            hint="name a channel: krx stream trades BTCUSDT",
        )
    return _merge(out)


def _merge(requests: list[StreamRequest]) -> list[StreamRequest]:
    """Merge requests of the same channel (and interval/depth) into one subscription."""
    merged: dict[tuple[str, int | None, int], list[StreamPair]] = {}
    for req in requests:
        pairs = merged.setdefault((req.channel, req.interval, req.depth), [])
        pairs.extend(p for p in req.pairs if p not in pairs)
    return [StreamRequest(c, tuple(p), interval=i, depth=d) for (c, i, d), p in merged.items()]


def _text(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def rest_fetchers(api: Any) -> tuple[FetchTrades, FetchOhlc]:
    """Adapt the REST client (``SpotPublic``) to the backfill callables of the stream."""

    def fetch_trades(rest_pair: str, since: str | None) -> tuple[list[list[Any]], str | None]:
        page = api.trades(rest_pair, rest_pair, since=since)
        rows = [
            [
                _text(t.price),
                _text(t.volume),
                _text(t.time),
                t.side,
                t.ord_type,
                t.misc,
                t.trade_id,
            ]
            for t in page.trades
            if t.trade_id is not None
        ]
        return rows, page.last or None

    def fetch_ohlc(rest_pair: str, interval: int, since: int | None) -> list[list[Any]]:
        page = api.ohlc(rest_pair, rest_pair, interval, since=since)
        return [[c.time, *(_text(getattr(c, k)) for k in _OHLC), c.count] for c in page.candles]

    return fetch_trades, fetch_ohlc


_OHLC = ("open", "high", "low", "close", "vwap", "volume")


def private_token_fetcher(settings: Settings, **private: Any) -> Callable[[], str]:
    """Return a function fetching a fresh WS token (REST GetWebSocketsToken) per connection.

    The signed client (nonce lock, shared rate counter) is built on first use and kept for the
    reconnects; ``private`` goes to ``open_private`` (``otp``, ``transport``, ``state_dir``).
    https://docs.kraken.com/api/docs/rest-api/get-websockets-token
    """
    from kraken_cli.client.spot_private import SpotPrivate
    from kraken_cli.services.account.spot import open_private

    client: list[SpotPrivate] = []

    def fetch() -> str:
        if not client:
            client.append(open_private(settings, **private))
        # Idempotent: a retried request only mints another token; the last one wins.
        result = client[0].call("GetWebSocketsToken", {}, idempotent=True)
        token = result.get("token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise KrakenError(
                "GetWebSocketsToken returned no token",
                hint="check the key's 'WebSocket interface' permission with `krx verify`",
            )
        return token

    return fetch
