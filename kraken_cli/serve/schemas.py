"""OpenAPI response descriptions of the routes (JSON Schema, documentation only).

Responses are built as plain JSON by the handlers; these schemas describe them for
``/openapi.json`` and for the schema-driven tests, which check every answer against them.
"""

from __future__ import annotations

from typing import Any

DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "exact decimal"}
NULLABLE_DECIMAL = {"anyOf": [DECIMAL, {"type": "null"}]}
TIME = {"type": "string", "description": "ISO-8601 UTC with Z"}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "hint": {"type": ["string", "null"]},
                "kraken": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _json(ERROR, "Bad parameter; the message lists what is accepted."),
    401: _json(ERROR, "Missing or wrong token."),
    404: _json(ERROR, "Unknown symbol (with did-you-mean) or route."),
    429: _json(ERROR, "Kraken's budget would be exceeded; see Retry-After."),
    502: _json(ERROR, "Kraken rejected the call or is unreachable."),
}

CANDLE = {
    "type": "object",
    "required": ["ts", "time", "open", "high", "low", "close", "volume", "symbol", "interval"],
    "properties": {
        "ts": {"type": "integer", "description": "open time, epoch ms"},
        "time": TIME,
        "open": DECIMAL,
        "high": DECIMAL,
        "low": DECIMAL,
        "close": DECIMAL,
        "vwap": NULLABLE_DECIMAL,
        "volume": DECIMAL,
        "count": {"type": ["integer", "null"]},
        "symbol": {"type": "string"},
        "interval": {"type": "string"},
    },
}
TRADE = {
    "type": "object",
    "required": ["symbol", "time", "price", "volume", "side"],
    "properties": {
        "symbol": {"type": "string"},
        "trade_id": {"type": ["integer", "string", "null"]},
        "time": TIME,
        "price": DECIMAL,
        "volume": DECIMAL,
        "side": {"enum": ["buy", "sell"]},
        "ord_type": {"type": ["string", "null"]},
    },
}
LEVEL = {
    "type": "object",
    "required": ["price", "volume"],
    "properties": {"price": DECIMAL, "volume": DECIMAL},
}
ORDERBOOK = {
    "type": "object",
    "required": ["symbol", "time", "bids", "asks", "source"],
    "properties": {
        "symbol": {"type": "string"},
        "time": TIME,
        "bids": {"type": "array", "items": LEVEL},
        "asks": {"type": "array", "items": LEVEL},
        "checksum": {"type": ["integer", "null"]},
        "source": {"enum": ["stream", "rest"]},
    },
}
SYMBOL = {
    "type": "object",
    "required": ["name", "symbol", "baseAsset", "quoteAsset", "marketType", "connectorType"],
    "properties": {
        "name": {"type": "string"},
        "symbol": {"type": "string"},
        "baseAsset": {"type": "string"},
        "quoteAsset": {"type": "string"},
        "status": {"type": "string"},
        "tickSize": NULLABLE_DECIMAL,
        "stepSize": NULLABLE_DECIMAL,
        "minQuantity": NULLABLE_DECIMAL,
        "minNotional": NULLABLE_DECIMAL,
        "leverage": {"type": ["integer", "null"]},
        "marketType": {"type": "string"},
        "connectorType": {"const": "kraken"},
    },
}

CANDLES_RESPONSES = {
    200: _json({"type": "array", "items": CANDLE}, "Candles, ascending."),
    **ERRORS,
}
TRADES_RESPONSES = {
    200: _json(
        {"type": "object", "properties": {"data": {"type": "array", "items": TRADE}}},
        "Trades.",
    ),
    **ERRORS,
}
ORDERBOOK_RESPONSES = {200: _json(ORDERBOOK, "The order book."), **ERRORS}
SYMBOLS_RESPONSES = {200: _json({"type": "array", "items": SYMBOL}, "Symbols."), **ERRORS}
LIVE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(
        {
            "type": "object",
            "required": ["status", "timestamp", "uptimeSec"],
            "properties": {
                "status": {"const": "ok"},
                "timestamp": TIME,
                "uptimeSec": {"type": "number"},
            },
        },
        "Alive.",
    )
}
READY = {
    "type": "object",
    "required": ["ready", "status", "degraded", "checks"],
    "properties": {
        "ready": {"type": "boolean"},
        "status": {"enum": ["ready", "not_ready"]},
        "degraded": {"type": "boolean"},
        "checks": {"type": "object"},
    },
}
READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(READY, "Ready."),
    503: _json(READY, "Not ready."),
}
METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Prometheus text format.", "content": {"text/plain": {}}},
    401: _json(ERROR, "Missing or wrong token."),
}
PROOF = {
    "type": "object",
    "required": ["generatedAt", "connectors"],
    "properties": {
        "generatedAt": TIME,
        "connectors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["connectorType", "marketType", "status", "checks", "streams"],
                "properties": {
                    "connectorType": {"const": "kraken"},
                    "marketType": {"type": "string"},
                    "status": {"enum": ["ACTIVE", "DEGRADED", "ERROR"]},
                    "checks": {"type": "array", "items": {"type": "object"}},
                    "streams": {"type": "array", "items": {"type": "object"}},
                    "rateLimit": {
                        "type": ["object", "null"],
                        "description": "The key's call counter (null: no key or futures).",
                        "properties": {
                            "counter": {"type": "number"},
                            "max": {"type": "number"},
                            "headroom": {"type": "number"},
                        },
                    },
                },
            },
        },
    },
}
PROOF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(PROOF, "The runtime proof."),
    401: _json(ERROR, "Missing or wrong token."),
}
ASSET = {
    "type": "object",
    "required": ["connectorType", "marketType", "symbol"],
    "properties": {
        "connectorType": {"const": "kraken"},
        "marketType": {"type": "string"},
        "symbol": {"type": "string"},
        "walletBalance": {"type": ["string", "null"]},
        "availableBalance": {"type": ["string", "null"]},
    },
}
ASSETS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(
        {
            "type": "object",
            "required": ["assets", "positions"],
            "properties": {
                "assets": {"type": "array", "items": ASSET},
                "positions": {"type": "array", "items": {"type": "object"}},
            },
        },
        "The key's assets and positions.",
    ),
    **ERRORS,
    403: _json(ERROR, "The key lacks a permission."),
    503: _json(ERROR, "No key configured for this segment."),
}
ACCOUNT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(
        {
            "type": "object",
            "required": ["connectorType", "marketType", "assets", "positions", "orders"],
            "properties": {
                "connectorType": {"const": "kraken"},
                "marketType": {"type": "string"},
                "assets": {"type": "array", "items": ASSET},
                "positions": {"type": "array", "items": {"type": "object"}},
                "orders": {"type": "array", "items": {"type": "object"}},
                "isActive": {"type": "boolean"},
            },
        },
        "The key's account.",
    ),
    **ERRORS,
    403: _json(ERROR, "The key lacks a permission."),
    503: _json(ERROR, "No key configured for this segment."),
}
