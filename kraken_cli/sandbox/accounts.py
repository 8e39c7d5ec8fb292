"""The sandbox's single trading account: credentials, nonce, permissions, balances, ledger.

Every balance change goes through :meth:`Account.post` which writes a ledger entry and
notifies listeners (the WS ``balances`` channel); order events are emitted through
:meth:`Account.emit` (the WS ``executions`` channel).
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kraken_cli.sandbox.market import ASSETS
from kraken_cli.sandbox.ratelimit import Clock, DecayingCounter, Tier, TradingLimiter
from kraken_cli.sandbox.wire import NS

ALL_PERMISSIONS = (
    "query-funds",
    "query-open-trades",
    "query-closed-trades",
    "query-ledger",
    "modify-trades",
    "cancel-trades",
    "create-ws-token",
)

#: Initial balances of the demo account (asset id -> amount).
INITIAL_BALANCES = {
    "ZUSD": "100000.0000",
    "XXBT": "2.5000000000",
    "USDT": "50000.00000000",
    "XETH": "30.0000000000",
    "XXDG": "100000.00000000",
    "SHIB": "500000000.00000",
}

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def credentials(seed: int) -> tuple[str, str]:
    """Return a deterministic (api_key, api_secret) pair shaped like Kraken's."""
    key = base64.b64encode(hashlib.sha512(f"krx-sandbox-key:{seed}".encode()).digest()[:42])
    secret = base64.b64encode(hashlib.sha512(f"krx-sandbox-secret:{seed}".encode()).digest())
    return key.decode(), secret.decode()


@dataclass
class LedgerEntry:
    """One ledger row (amounts are Decimals at the asset's precision)."""

    id: str
    refid: str
    time_ns: int
    type: str
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    subtype: str = ""


Listener = Callable[[str, object], None]


@dataclass
class Account:
    """Credentials, nonce and permission state plus balances and the ledger."""

    api_key: str
    api_secret: str
    tier: Tier
    clock: Clock
    seed: int = 0
    permissions: set[str] = field(default_factory=lambda: set(ALL_PERMISSIONS))
    last_nonce: int = 0
    balances: dict[str, Decimal] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list)
    sequence: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:ids")
        self.counter = DecayingCounter(self.tier.max_counter, self.tier.decay, self.clock)
        self.trading = TradingLimiter(self.tier, self.clock)
        if not self.balances:
            self.balances = {k: Decimal(v) for k, v in INITIAL_BALANCES.items()}

    def set_tier(self, tier: Tier) -> None:
        """Switch the rate-limit tier (resets the counters)."""
        self.tier = tier
        self.counter = DecayingCounter(tier.max_counter, tier.decay, self.clock)
        self.trading = TradingLimiter(tier, self.clock)

    def new_id(self, prefix: str) -> str:
        """Return a Kraken-style id such as ``OQCLML-BW3P3-BUCMWZ``."""
        chars = "".join(self.rng.choice(_ID_ALPHABET) for _ in range(16))
        return f"{prefix}{chars[:5]}-{chars[5:10]}-{chars[10:]}"

    def check_nonce(self, nonce: int) -> bool:
        """Accept a nonce only if strictly greater than the last accepted one for the key."""
        if nonce <= self.last_nonce:
            return False
        self.last_nonce = nonce
        return True

    def new_token(self, now_ns: int) -> str:
        """Issue a WebSockets token valid for 15 minutes."""
        self.tokens = {t: exp for t, exp in self.tokens.items() if exp > now_ns}
        token = base64.b64encode(self.rng.randbytes(30)).decode()
        self.tokens[token] = now_ns + 900 * NS
        return token

    def token_valid(self, token: object, now_ns: int) -> bool:
        """Return whether a WS token was issued here and has not expired."""
        return isinstance(token, str) and self.tokens.get(token, 0) > now_ns

    def emit(self, kind: str, payload: object) -> None:
        """Send an event to every listener (the WS private channels)."""
        for listener in list(self.listeners):
            listener(kind, payload)

    def post(
        self, asset: str, amount: Decimal, fee: Decimal, refid: str, now_ns: int, kind: str
    ) -> LedgerEntry:
        """Change a balance by ``amount - fee`` and record the ledger entry."""
        places = Decimal(1).scaleb(-ASSETS[asset].decimals)
        amount, fee = amount.quantize(places), fee.quantize(places)
        balance = (self.balances.get(asset, Decimal(0)) + amount - fee).quantize(places)
        self.balances[asset] = balance
        entry = LedgerEntry(self.new_id("L"), refid, now_ns, kind, asset, amount, fee, balance)
        self.ledger.append(entry)
        self.emit("ledger", entry)
        return entry
