"""Quotes and orders as people list them (``GET /quotes``, ``GET /orders``).

What must hold:
- A row's ``version`` and ``updated_at`` are those of its record's last
  event; its ``status`` is the record's.
- A quote row's figures (``gross``, ``net``, ``discount_percent``,
  ``valid_until`` as sent) are those of the revision sent last: what the
  customer saw (null while none was sent).
- ``apply`` reads only the event: a rebuild gives the same rows.
Columns are documented in docs/read-models.md; ``commerce_query`` reads them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.order import Order
from domain.quote import ACCEPTED, DRAFT, PENDING, REJECTED, SENT, Quote
from projections.events import event_class
from projections.view import Step, View, handles

DRAFTED = event_class(Quote, "Drafted")
PLACED = event_class(Order, "Placed")
QUOTE_STATUS = {  # the status each quote event leaves (None: unchanged)
    "LineAdded": None,
    "LineChanged": None,
    "LineRemoved": None,
    "ValidityChanged": None,
    "ApprovalRequested": PENDING,
    "DiscountApproved": DRAFT,
    "ApprovalDeclined": DRAFT,
    "Accepted": ACCEPTED,
    "Rejected": REJECTED,
    "Revised": DRAFT,
}
QUOTE_CHANGES = {event_class(Quote, n): s for n, s in QUOTE_STATUS.items()}
ORDER_CHANGES = {
    event_class(Order, n): s
    for n, s in {
        "Confirmed": "confirmed",
        "Cancelled": "cancelled",
        "Returned": "returned",
        "Fulfilled": None,  # the event names it
    }.items()
}


class Commerce(View):
    name = "commerce"
    tables: ClassVar[dict[str, str]] = {
        "quotes": (
            "quote_id UUID PRIMARY KEY, opportunity_id UUID NOT NULL,"
            " account_id UUID NOT NULL, owner_id UUID, currency TEXT NOT NULL,"
            " revision INTEGER NOT NULL, status TEXT NOT NULL,"
            " valid_until DATE NOT NULL, gross NUMERIC, net NUMERIC,"
            " discount_percent NUMERIC, sent_at TIMESTAMPTZ,"
            " version BIGINT NOT NULL, created_position BIGINT NOT NULL,"
            " created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL"
        ),
        "orders": (
            "order_id UUID PRIMARY KEY, opportunity_id UUID NOT NULL,"
            " account_id UUID NOT NULL, owner_id UUID, quote_id UUID,"
            " currency TEXT NOT NULL, total NUMERIC NOT NULL,"
            " lines INTEGER NOT NULL, status TEXT NOT NULL,"
            " version BIGINT NOT NULL, placed_position BIGINT NOT NULL,"
            " placed_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "quotes_deal": "{quotes} (opportunity_id, created_position)",
        "quotes_position": "{quotes} (created_position)",
        "orders_position": "{orders} (placed_position)",
        "orders_account": "{orders} (account_id, placed_position)",
        "orders_owner": "{orders} (owner_id, placed_position)",
        "orders_placed": "{orders} (placed_at)",
    }

    @handles(DRAFTED)
    def drafted(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {quotes} (quote_id, opportunity_id, account_id, owner_id,"
            " currency, revision, status, valid_until, version, created_position,"
            " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, 1, 'draft', %s,"
            " %s, %s, %s, %s) ON CONFLICT (quote_id) DO NOTHING",
            event.originator_id,
            event.opportunity_id,
            event.account_id,
            event.owner_id,
            event.currency,
            event.valid_until,
            event.originator_version,
            step.position,
            event.timestamp,
            event.timestamp,
        )

    @handles(*QUOTE_CHANGES)
    def quote_changed(self, step: Step, event: Any) -> None:
        sets, values = [], []
        status = QUOTE_CHANGES[type(event)]
        if status is not None:
            sets.append("status = %s")
            values.append(status)
        if type(event).__name__ == "Revised":
            sets.append("revision = %s")
            values.append(event.revision)
        if type(event).__name__ == "ValidityChanged":
            sets.append("valid_until = %s")
            values.append(event.new)
        _touch(step, "quotes", "quote_id", event, sets, values)

    @handles(event_class(Quote, "Sent"))
    def sent(self, step: Step, event: Any) -> None:
        sets = [
            f"{c} = %s"
            for c in (
                "status",
                "gross",
                "net",
                "discount_percent",
                "valid_until",
                "sent_at",
            )
        ]
        values = [
            SENT,
            event.gross,
            event.net,
            event.discount_percent,
            event.valid_until,
            event.timestamp,
        ]
        _touch(step, "quotes", "quote_id", event, sets, values)

    @handles(PLACED)
    def placed(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {orders} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'placed',"
            " %s, %s, %s, %s) ON CONFLICT (order_id) DO NOTHING",
            event.originator_id,
            event.opportunity_id,
            event.account_id,
            event.owner_id,
            event.quote_id,
            event.currency,
            event.total,
            len(event.lines),
            event.originator_version,
            step.position,
            event.timestamp,
            event.timestamp,
        )

    @handles(*ORDER_CHANGES)
    def order_changed(self, step: Step, event: Any) -> None:
        status = ORDER_CHANGES[type(event)] or event.status
        _touch(step, "orders", "order_id", event, ["status = %s"], [status])


def _touch(
    step: Step, table: str, key: str, event: Any, sets: list[str], values: list[Any]
) -> None:
    """Applies ``sets`` and the event's version and time to its row."""
    sets = [*sets, "version = %s", "updated_at = %s"]
    step.execute(
        f"UPDATE {{{table}}} SET {', '.join(sets)} WHERE {key} = %s",
        *values,
        event.originator_version,
        event.timestamp,
        event.originator_id,
    )
