"""WS v2 public market-data channels: ticker, book, trade, ohlc, instrument, heartbeat.

https://docs.kraken.com/api/docs/websocket-v2/book
"""

from __future__ import annotations

from typing import Any

from kraken_cli.sandbox.book import BookView, level_json
from kraken_cli.sandbox.ohlc import INTERVALS, Candle, ohlc
from kraken_cli.sandbox.tape import Trade
from kraken_cli.sandbox.wire import NS, rfc3339_ns, rfc3339_us
from kraken_cli.sandbox.ws_link import Link
from kraken_cli.sandbox.ws_render import ohlc_json, ticker_json, trade_json

DEPTHS = (10, 25, 100, 500, 1000)


class PublicChannels:
    """Market-data subscriptions of one connection: book views and forming candles."""

    def __init__(self, conn: Link) -> None:
        self.conn = conn
        self.views: dict[str, BookView] = {}
        self.candles: dict[tuple[str, int], Candle] = {}
        #: last trade_id of each trade snapshot sent (no update repeats it)
        self.snapshot_last: dict[str, int] = {}
        self.book_sent = 0

    async def simple(
        self, method: str, channel: str, params: dict[str, Any], req_id: object, time_in: str
    ) -> None:
        """Subscribe to a channel without symbols (heartbeat, instrument)."""
        snapshot = bool(params.get("snapshot", True))
        result: dict[str, object] = {"channel": channel}
        if channel == "instrument":
            result["snapshot"] = snapshot
        if method == "unsubscribe":
            self.conn.subs.pop((channel, ""), None)
            await self.conn.reply(
                {"method": method, "result": result, "success": True}, req_id, time_in
            )
            return
        self.conn.subs[(channel, "")] = dict(params)
        await self.conn.reply(
            {"method": method, "result": result, "success": True}, req_id, time_in
        )
        if channel == "instrument" and snapshot:
            from kraken_cli.sandbox.market import instrument_data

            await self.conn.send(
                {"channel": "instrument", "type": "snapshot", "data": instrument_data()}
            )

    async def one_symbol(
        self,
        method: str,
        channel: str,
        symbol: str,
        params: dict[str, Any],
        req_id: object,
        time_in: str,
    ) -> None:
        """Subscribe or unsubscribe one symbol of a market-data channel."""
        from kraken_cli.sandbox.market import ws_pair

        fail: dict[str, object] = {"method": method, "success": False, "symbol": symbol}
        pair = ws_pair(symbol)
        if pair is None:
            await self.conn.reply(
                {"error": f"Currency pair not supported {symbol}", **fail}, req_id, time_in
            )
            return
        result: dict[str, object] = {"channel": channel}
        if channel == "book":
            depth = params.get("depth", 10)
            if depth not in DEPTHS:
                await self.conn.reply({"error": f"Invalid depth {depth}", **fail}, req_id, time_in)
                return
            result["depth"] = depth
        if channel == "ohlc":
            interval = params.get("interval", 1)
            if interval not in INTERVALS:
                await self.conn.reply(
                    {"error": f"Invalid interval {interval}", **fail}, req_id, time_in
                )
                return
            result["interval"] = interval
        if channel == "ticker":
            result["event_trigger"] = params.get("event_trigger", "trades")
        snapshot = bool(params.get("snapshot", channel != "trade"))
        if method == "subscribe":
            result["snapshot"] = snapshot
        result["symbol"] = symbol
        sub_key = (channel, symbol)
        if method == "unsubscribe":
            if self.conn.subs.pop(sub_key, None) is None:
                await self.conn.reply({"error": "Subscription Not Found", **fail}, req_id, time_in)
                return
            if channel == "book":
                self.views.pop(symbol, None)
            if channel == "ohlc":
                for candle_key in [k for k in self.candles if k[0] == symbol]:
                    del self.candles[candle_key]
            await self.conn.reply(
                {"method": method, "result": result, "success": True}, req_id, time_in
            )
            return
        if sub_key in self.conn.subs:
            await self.conn.reply({"error": "Already subscribed", **fail}, req_id, time_in)
            return
        async with self.conn.lock:
            self.conn.subs[sub_key] = dict(result)
            await self.conn.reply(
                {"method": method, "result": result, "success": True}, req_id, time_in
            )
            await self.snapshot(channel, pair.key, symbol, result, snapshot)

    async def snapshot(
        self, channel: str, key: str, symbol: str, sub: dict[str, object], wanted: bool
    ) -> None:
        """Send the snapshot of a fresh subscription (and set up its state)."""
        sb = self.conn.sb
        pair, now = sb.tapes[key].pair, sb.now()
        if channel == "book":
            view = BookView(sb.books[key], int(str(sub["depth"])))
            asks, bids, checksum = view.snapshot()
            self.views[symbol] = view
            if wanted:
                await self.send_book("snapshot", symbol, asks, bids, checksum)
        elif channel == "trade" and wanted:
            recent = sb.tapes[key].recent(50, now)
            if recent:
                # the hub may publish these again (it ticks every 100 ms): updates skip them
                self.snapshot_last[symbol] = recent[-1].trade_id
            data = [trade_json(pair, t) for t in recent]
            await self.conn.send({"channel": "trade", "type": "snapshot", "data": data})
        elif channel == "ticker" and wanted:
            data = [ticker_json(pair, sb.books[key], sb.day_stats(key), now)]
            await self.conn.send({"channel": "ticker", "type": "snapshot", "data": data})
        elif channel == "ohlc":
            interval = int(str(sub["interval"]))
            candles, _ = ohlc(sb.tapes[key], interval, None, now)
            self.candles[(symbol, interval)] = candles[-1]
            if wanted:
                await self.conn.send(
                    {
                        "channel": "ohlc",
                        "type": "snapshot",
                        "timestamp": rfc3339_ns(sb.server_now()),
                        "data": [ohlc_json(pair, c, interval) for c in candles],
                    }
                )

    async def send_book(
        self,
        kind: str,
        symbol: str,
        asks: list[tuple[int, int]],
        bids: list[tuple[int, int]],
        checksum: int,
    ) -> None:
        """Send a book snapshot/update (the corrupt-checksum fault applies here)."""
        view = self.views[symbol]
        pair = view.book.pair
        self.book_sent += 1
        if self.conn.sb.faults.corrupt(symbol, self.book_sent):
            checksum ^= 0x5A5A5A5A
        await self.conn.send(
            {
                "channel": "book",
                "type": kind,
                "data": [
                    {
                        "symbol": symbol,
                        "bids": [level_json(pair, lv) for lv in bids],
                        "asks": [level_json(pair, lv) for lv in asks],
                        "checksum": checksum,
                        "timestamp": rfc3339_us(self.conn.sb.server_now()),
                    }
                ],
            }
        )

    async def on_trades(self, key: str, trades: list[Trade]) -> None:
        """Publish new tape trades to trade, ticker and ohlc subscriptions."""
        sb = self.conn.sb
        pair = sb.tapes[key].pair
        symbol = pair.symbol
        if ("trade", symbol) in self.conn.subs:
            seen = self.snapshot_last.get(symbol)
            fresh = trades if seen is None else [t for t in trades if t.trade_id > seen]
            if fresh:
                await self.conn.send(
                    {
                        "channel": "trade",
                        "type": "update",
                        "data": [trade_json(pair, t) for t in fresh],
                    }
                )
        ticker = self.conn.subs.get(("ticker", symbol))
        if ticker is not None and ticker.get("event_trigger", "trades") == "trades":
            data = [ticker_json(pair, sb.books[key], sb.day_stats(key), sb.now())]
            await self.conn.send({"channel": "ticker", "type": "update", "data": data})
        for (sym, interval), candle in list(self.candles.items()):
            if sym != symbol:
                continue
            width = interval * 60 * NS
            for trade in trades:
                open_ns = trade.ns // width * width
                if open_ns != candle.open_ns or candle.count == 0:
                    candle = Candle(open_ns, trade.price, trade.price, trade.price, trade.price)
                candle.add(trade)
            self.candles[(sym, interval)] = candle
            await self.conn.send(
                {
                    "channel": "ohlc",
                    "type": "update",
                    "timestamp": rfc3339_ns(sb.server_now()),
                    "data": [ohlc_json(pair, candle, interval)],
                }
            )

    async def on_book(self, key: str) -> None:
        """Publish book changes to the book subscription (and bbo tickers)."""
        pair = self.conn.sb.books[key].pair
        view = self.views.get(pair.symbol)
        if view is not None:
            diff = view.diff()
            if diff is not None:
                asks, bids, checksum = diff
                await self.send_book("update", pair.symbol, asks, bids, checksum)
        ticker = self.conn.subs.get(("ticker", pair.symbol))
        if ticker is not None and ticker.get("event_trigger") == "bbo":
            data = [
                ticker_json(
                    pair, self.conn.sb.books[key], self.conn.sb.day_stats(key), self.conn.sb.now()
                )
            ]
            await self.conn.send({"channel": "ticker", "type": "update", "data": data})
