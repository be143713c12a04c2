"""Quote: what a rep offers the customer of one opportunity, revision by
revision, until the customer accepts or rejects it.

What must hold:
- Lines change only while the quote is a ``draft``; a sent quote is
  ``revise``d into the next revision (a draft again), so every revision the
  customer saw stays recorded as it was sent (``Sent`` carries its lines
  and totals).
- A quote whose discount (``Totals.discount_percent``) is above the
  approval threshold recorded when it was drafted is sent only after a
  manager approved at least that discount for the lines as they are: any
  change to the lines withdraws an approval.
- A quote is sent with lines, by its validity date; the customer accepts
  the revision sent last by that date (``today``: given, no clock is read);
  an accepted quote never changes again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.quote_lines import QuoteLine, Totals, check_quote_line

DRAFT, PENDING, SENT = "draft", "pending_approval", "sent"
ACCEPTED, REJECTED = "accepted", "rejected"


class Quote(SalesAggregate):
    @classmethod
    def draft(cls, id: UUID, lines: list[QuoteLine], **fields: Any) -> Quote:
        """``fields``: the remaining parameters of ``__init__``."""
        for line in lines:
            check_quote_line(line)
        check(fields["approval_threshold"] >= 0, "threshold_negative", "below 0")
        values = [{"line_id": li.line_id, **li.values()} for li in lines]
        return cls(id=id, lines=values, **fields)

    @event("Drafted")
    def __init__(
        self,
        id: UUID,
        opportunity_id: UUID,
        account_id: UUID,
        owner_id: UUID | None,
        currency: str,
        valid_until: date,
        approval_threshold: Decimal,
        lines: list[dict[str, Any]],
    ) -> None:
        self.opportunity_id = opportunity_id
        self.account_id = account_id
        self.owner_id = owner_id
        self.currency = currency
        self.valid_until = valid_until
        self.approval_threshold = approval_threshold
        self.lines = tuple(QuoteLine(**line) for line in lines)
        self.revision = 1
        self.status = DRAFT
        self.approved_discount: Decimal | None = None
        self.sent: dict[int, dict[str, Any]] = {}  # revision -> as sent
        self.decision_reason: str | None = None

    @property
    def totals(self) -> Totals:
        return Totals.of(self.lines)

    @property
    def needs_approval(self) -> bool:
        discount = self.totals.discount_percent
        if discount <= self.approval_threshold:
            return False
        return self.approved_discount is None or discount > self.approved_discount

    def _must_be(self, *statuses: str) -> None:
        check(
            self.status in statuses,
            f"quote_{self.status}",
            f"the quote is {self.status}",
        )

    def _line(self, line_id: UUID) -> QuoteLine:
        found = next((li for li in self.lines if li.line_id == line_id), None)
        check(found is not None, "unknown_line", f"no line {line_id}")
        assert found is not None
        return found

    def add_line(self, line: QuoteLine) -> None:
        """The same line again records nothing; another with its id is refused."""
        self._must_be(DRAFT)
        check_quote_line(line)
        found = next((li for li in self.lines if li.line_id == line.line_id), None)
        if found is not None:
            check(found == line, "line_id_reused", f"line {line.line_id} exists")
            return
        self._line_added(line_id=line.line_id, new=line.values())

    @event("LineAdded")
    def _line_added(self, line_id: UUID, new: dict[str, Any]) -> None:
        self.lines = (*self.lines, QuoteLine(line_id=line_id, **new))
        self.approved_discount = None

    def change_line(self, line_id: UUID, **changes: Any) -> None:
        """``changes``: ``quantity`` and/or ``discount_percent``."""
        self._must_be(DRAFT)
        old = self._line(line_id)
        new = replace(old, **changes)
        check_quote_line(new)
        if new != old:
            names = [k for k in changes if getattr(old, k) != getattr(new, k)]
            self._line_changed(
                line_id=line_id,
                old={k: getattr(old, k) for k in names},
                new={k: getattr(new, k) for k in names},
            )

    @event("LineChanged")
    def _line_changed(
        self, line_id: UUID, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        self.lines = tuple(
            replace(li, **new) if li.line_id == line_id else li for li in self.lines
        )
        self.approved_discount = None

    def remove_line(self, line_id: UUID) -> None:
        self._must_be(DRAFT)
        self._line(line_id)
        self._line_removed(line_id=line_id)

    @event("LineRemoved")
    def _line_removed(self, line_id: UUID) -> None:
        self.lines = tuple(li for li in self.lines if li.line_id != line_id)
        self.approved_discount = None

    def change_validity(self, valid_until: date) -> None:
        self._must_be(DRAFT)
        if valid_until != self.valid_until:
            self._validity_changed(old=self.valid_until, new=valid_until)

    @event("ValidityChanged")
    def _validity_changed(self, old: date, new: date) -> None:
        self.valid_until = new

    def request_approval(self) -> None:
        self._must_be(DRAFT)
        check(self.needs_approval, "approval_not_needed", "within the threshold")
        self._approval_requested(discount_percent=self.totals.discount_percent)

    @event("ApprovalRequested")
    def _approval_requested(self, discount_percent: Decimal) -> None:
        self.status = PENDING

    def approve(self) -> None:
        """Who may approve is the command layer's rule (a manager)."""
        self._must_be(PENDING)
        self._approved(discount_percent=self.totals.discount_percent)

    @event("DiscountApproved")
    def _approved(self, discount_percent: Decimal) -> None:
        self.status, self.approved_discount = DRAFT, discount_percent

    def decline(self, reason: str) -> None:
        self._must_be(PENDING)
        check(bool(reason.strip()), "reason_required", "say why")
        self._declined(reason=reason)

    @event("ApprovalDeclined")
    def _declined(self, reason: str) -> None:
        self.status = DRAFT

    def send(self, today: date) -> None:
        self._must_be(DRAFT)
        check(bool(self.lines), "quote_empty", "a quote needs lines")
        check(
            not self.needs_approval,
            "approval_required",
            "a manager must approve the discount first",
        )
        check(
            today <= self.valid_until, "validity_passed", "the validity date has passed"
        )
        totals = self.totals
        self._sent(
            revision=self.revision,
            lines=[li.priced() for li in self.lines],
            gross=totals.gross,
            net=totals.net,
            discount_percent=totals.discount_percent,
            valid_until=self.valid_until,
        )

    @event("Sent")
    def _sent(
        self,
        revision: int,
        lines: list[dict[str, Any]],
        gross: Decimal,
        net: Decimal,
        discount_percent: Decimal,
        valid_until: date,
    ) -> None:
        self.status = SENT
        self.sent[revision] = {
            "lines": lines,
            "gross": gross,
            "net": net,
            "discount_percent": discount_percent,
            "valid_until": valid_until,
        }

    def accept(self, revision: int, today: date) -> None:
        self._must_be(SENT)
        check(
            revision == self.revision,
            "revision_superseded",
            f"revision {self.revision} is the one sent last",
        )
        check(
            today <= self.valid_until,
            "quote_expired",
            "the quote's validity date has passed",
        )
        self._accepted(revision=revision, net=self.totals.net)

    @event("Accepted")
    def _accepted(self, revision: int, net: Decimal) -> None:
        self.status = ACCEPTED

    def reject(self, reason: str) -> None:
        self._must_be(SENT)
        check(bool(reason.strip()), "reason_required", "say why")
        self._rejected(revision=self.revision, reason=reason)

    @event("Rejected")
    def _rejected(self, revision: int, reason: str) -> None:
        self.status, self.decision_reason = REJECTED, reason

    def revise(self) -> None:
        self._must_be(SENT, REJECTED)
        self._revised(revision=self.revision + 1)

    @event("Revised")
    def _revised(self, revision: int) -> None:
        self.revision, self.status = revision, DRAFT
        self.decision_reason = None  # an approval stands until lines change
