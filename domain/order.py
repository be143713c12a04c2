"""Order: what a customer bought on one deal, from its accepted quote or
from the won deal itself, and how it is fulfilled.

What must hold:
- One deal has at most one order: its id is the deal's (``order_id_for``),
  so the store refuses a second one even under racing writers.
- An order has lines (``QuoteLine``: list price, discount, net), never
  changed after it is placed; its total is the sum of the lines' nets.
- Status: ``placed`` -> ``confirmed`` -> ``partially_fulfilled`` ->
  ``fulfilled``. A line is never fulfilled beyond its quantity. An order
  is ``cancelled`` only before anything was fulfilled, and ``returned``
  (whole, with a reason) only after something was.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.quote_lines import QuoteLine, Totals, check_quote_line

PLACED, CONFIRMED = "placed", "confirmed"
PARTIAL, FULFILLED = "partially_fulfilled", "fulfilled"
CANCELLED, RETURNED = "cancelled", "returned"
STATUSES = (PLACED, CONFIRMED, PARTIAL, FULFILLED, CANCELLED, RETURNED)


def order_id_for(opportunity_id: UUID) -> UUID:
    """The one id the order of a deal can have."""
    return uuid5(NAMESPACE_URL, f"sfa:order:{opportunity_id}")


class Order(SalesAggregate):
    @classmethod
    def place(
        cls, opportunity_id: UUID, lines: list[QuoteLine], **fields: Any
    ) -> Order:
        """``fields``: the remaining parameters of ``__init__``."""
        check(bool(lines), "order_empty", "an order needs lines")
        for line in lines:
            check_quote_line(line)
        return cls(
            id=order_id_for(opportunity_id),
            opportunity_id=opportunity_id,
            lines=[{"line_id": li.line_id, **li.values()} for li in lines],
            total=Totals.of(lines).net,
            **fields,
        )

    @event("Placed")
    def __init__(
        self,
        id: UUID,
        opportunity_id: UUID,
        account_id: UUID,
        owner_id: UUID | None,
        currency: str,
        lines: list[dict[str, Any]],
        total: Decimal,
        quote_id: UUID | None = None,
        quote_revision: int | None = None,
    ) -> None:
        self.opportunity_id = opportunity_id
        self.account_id = account_id
        self.owner_id = owner_id
        self.currency = currency
        self.lines = tuple(QuoteLine(**line) for line in lines)
        self.total = total
        self.quote_id = quote_id
        self.quote_revision = quote_revision
        self.status = PLACED
        self.fulfilled: dict[UUID, Decimal] = {}
        self.reason: str | None = None

    def _must_be(self, *statuses: str) -> None:
        check(
            self.status in statuses,
            f"order_{self.status}",
            f"the order is {self.status}",
        )

    def outstanding(self, line_id: UUID) -> Decimal:
        line = next((li for li in self.lines if li.line_id == line_id), None)
        check(line is not None, "unknown_line", f"no line {line_id}")
        assert line is not None
        return line.quantity - self.fulfilled.get(line_id, Decimal(0))

    def confirm(self) -> None:
        self._must_be(PLACED)
        self._confirmed()

    @event("Confirmed")
    def _confirmed(self) -> None:
        self.status = CONFIRMED

    def fulfil(self, quantities: dict[UUID, Decimal]) -> None:
        """Ships ``quantities`` (line id -> quantity above 0) of the lines."""
        self._must_be(CONFIRMED, PARTIAL)
        check(bool(quantities), "nothing_to_fulfil", "name the lines shipped")
        for line_id, quantity in quantities.items():
            check(quantity > 0, "quantity_not_positive", "quantity must be above 0")
            left = self.outstanding(line_id)
            check(quantity <= left, "over_fulfilment", f"only {left} left to ship")
        shipped = [{"line_id": k, "quantity": v} for k, v in quantities.items()]
        done = all(
            self.outstanding(li.line_id) == quantities.get(li.line_id, Decimal(0))
            for li in self.lines
        )
        self._fulfilled(lines=shipped, status=FULFILLED if done else PARTIAL)

    @event("Fulfilled")
    def _fulfilled(self, lines: list[dict[str, Any]], status: str) -> None:
        for shipped in lines:
            line_id = shipped["line_id"]
            self.fulfilled[line_id] = (
                self.fulfilled.get(line_id, Decimal(0)) + shipped["quantity"]
            )
        self.status = status

    def cancel(self, reason: str) -> None:
        self._must_be(PLACED, CONFIRMED)
        check(bool(reason.strip()), "reason_required", "say why")
        self._cancelled(reason=reason)

    @event("Cancelled")
    def _cancelled(self, reason: str) -> None:
        self.status, self.reason = CANCELLED, reason

    def return_goods(self, reason: str) -> None:
        self._must_be(PARTIAL, FULFILLED)
        check(bool(reason.strip()), "reason_required", "say why")
        self._returned(reason=reason)

    @event("Returned")
    def _returned(self, reason: str) -> None:
        self.status, self.reason = RETURNED, reason
