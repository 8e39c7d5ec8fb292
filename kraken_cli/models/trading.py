"""Order requests as the user typed them, and the records trading calls return (every segment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kraken_cli.models.account import Record

if TYPE_CHECKING:
    from kraken_cli.models.order_value import OrderEstimate


@dataclass(frozen=True)
class OrderRequest:
    """An order as the user asked for it (strings exactly as typed; checked by the service)."""

    side: str
    volume: str
    type: str = "limit"
    price: str | None = None
    price2: str | None = None
    post_only: bool = False
    reduce_only: bool = False
    leverage: str | None = None
    cl_ord_id: str | None = None
    validate: bool = False
    symbol: str = ""
    trigger_price: str | None = None
    trigger_signal: str | None = None


@dataclass(frozen=True)
class AmendRequest:
    """New figures for an open order (order id or client order id)."""

    order_id: str
    volume: str | None = None
    price: str | None = None
    trigger_price: str | None = None
    post_only: bool = False
    symbol: str | None = None


@dataclass(frozen=True)
class PlacedOrder(Record):
    """What spot AddOrder did: ids, Kraken's description, and whether it was only validated."""

    order_id: str | None
    cl_ord_id: str
    symbol: str
    status: str  # placed | validated | placed-after-timeout
    description: str


@dataclass(frozen=True)
class Placement:
    """A placed (or validated) order's record, with a note for the user when there is one."""

    record: Record
    note: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A checked order ready to send, and the confirmation question (None: validate only)."""

    request: OrderRequest
    question: str | None
    target: Any  # the resolved pair or contract
    #: notional value and estimated fee (None where the segment or the lookups give none)
    estimate: OrderEstimate | None = None


@dataclass(frozen=True)
class Amended(Record):
    """A spot amend: Kraken's amend id."""

    order_id: str
    amend_id: str | None
    status: str


@dataclass(frozen=True)
class StatusRow(Record):
    """A futures edit or cancel: Kraken's status and when it received the request."""

    order_id: str
    status: str
    time: str | None


@dataclass(frozen=True)
class Cancelled(Record):
    """A spot cancel: how many orders it cancelled, and whether it is pending."""

    order_id: str
    cancelled: int
    pending: bool


@dataclass(frozen=True)
class CancelledAll(Record):
    """A spot cancel-all: how many."""

    cancelled: int


@dataclass(frozen=True)
class FuturesCancelledAll(Record):
    """A futures cancel-all: the contract (None: all), status, count and ids."""

    symbol: str | None
    status: str | None
    count: int
    order_ids: list[str]
