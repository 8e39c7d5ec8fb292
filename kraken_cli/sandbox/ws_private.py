"""WS v2 private channels on ``/auth/v2``: ``executions`` and ``balances``.

A subscription needs a token from ``GetWebSocketsToken``; a bad or expired one gets Kraken's
``ESession:Invalid session`` refusal (REC26 shape).
https://docs.kraken.com/api/docs/websocket-v2/executions
"""

from __future__ import annotations

from typing import Any

from kraken_cli.sandbox.accounts import LedgerEntry
from kraken_cli.sandbox.orders import Fill, Order
from kraken_cli.sandbox.ws_link import Link
from kraken_cli.sandbox.ws_render import (
    balance_snapshot,
    execution_json,
    ledger_update,
)


class PrivateChannels:
    """Private subscriptions of one connection."""

    def __init__(self, conn: Link) -> None:
        self.conn = conn
        self.channels: dict[str, dict[str, Any]] = {}
        self.sequence = 0

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    async def subscription(
        self, method: str, channel: str, params: dict[str, Any], req_id: object, time_in: str
    ) -> None:
        """Handle subscribe/unsubscribe of executions/balances."""
        conn, sb = self.conn, self.conn.sb
        if channel == "level3":
            await conn.reply(
                {
                    "error": "Channel level3 is not available in the sandbox",
                    "method": method,
                    "success": False,
                },
                req_id,
                time_in,
            )
            return
        if not sb.account.token_valid(params.get("token"), sb.now()):
            await conn.reply(
                {
                    "channel": channel,
                    "error": "ESession:Invalid session",
                    "method": method,
                    "status": "error",
                    "success": False,
                },
                req_id,
                time_in,
            )
            return
        if method == "unsubscribe":
            self.channels.pop(channel, None)
            conn.subs.pop((channel, ""), None)
            await conn.reply(
                {"method": method, "result": {"channel": channel}, "success": True}, req_id, time_in
            )
            return
        if channel == "executions":
            snap_orders = bool(params.get("snap_orders", params.get("snapshot", True)))
            snap_trades = bool(params.get("snap_trades", params.get("snapshot_trades", False)))
            result: dict[str, object] = {
                "channel": channel,
                "maxratecount": int(sb.account.tier.trade_threshold),
                "snap_orders": snap_orders,
                "snap_trades": snap_trades,
            }
        else:
            snap_orders = bool(params.get("snapshot", True))
            snap_trades = False
            result = {"channel": channel, "snapshot": snap_orders}
        self.channels[channel] = dict(params)
        conn.subs[(channel, "")] = result
        async with conn.lock:
            await conn.reply({"method": method, "result": result, "success": True}, req_id, time_in)
            if channel == "executions" and (snap_orders or snap_trades):
                data: list[dict[str, object]] = []
                if snap_orders:
                    data += [
                        execution_json("snapshot", o, None, sb.now())
                        for o in sb.exchange.open_orders()
                    ]
                if snap_trades:
                    data += [
                        execution_json("trade", f.order, f, sb.now())
                        for f in sb.exchange.fills[-50:]
                    ]
                await conn.send(
                    {
                        "channel": "executions",
                        "type": "snapshot",
                        "data": data,
                        "sequence": self._next(),
                    }
                )
            elif channel == "balances" and snap_orders:
                await conn.send(
                    {
                        "channel": "balances",
                        "type": "snapshot",
                        "data": balance_snapshot(sb.account.balances),
                        "sequence": self._next(),
                    }
                )

    async def on_event(self, kind: str, payload: object) -> None:
        """Forward account events to the subscribed private channels."""
        sb = self.conn.sb
        if kind == "exec" and "executions" in self.channels and isinstance(payload, tuple):
            exec_type, order, fill = payload
            assert isinstance(order, Order)
            assert fill is None or isinstance(fill, Fill)
            data = [execution_json(exec_type, order, fill, sb.now())]
            await self.conn.send(
                {"channel": "executions", "type": "update", "data": data, "sequence": self._next()}
            )
        elif kind == "ledger" and "balances" in self.channels and isinstance(payload, LedgerEntry):
            await self.conn.send(
                {
                    "channel": "balances",
                    "type": "update",
                    "data": [ledger_update(payload)],
                    "sequence": self._next(),
                }
            )
