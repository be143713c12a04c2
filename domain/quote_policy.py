"""Quote policy: the discount above which a manager must approve a quote.

What must hold:
- There is one policy (``QUOTE_POLICY_ID``); until one is recorded the
  threshold is ``DEFAULT_THRESHOLD`` percent.
- The threshold is a percentage from 0 to 100. A quote records the
  threshold in force when it is drafted, so a later change never changes
  what an earlier quote needed.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check

QUOTE_POLICY_ID = uuid5(NAMESPACE_URL, "sfa:quote-policy")
DEFAULT_THRESHOLD = Decimal(10)


def check_threshold(percent: Decimal) -> None:
    check(
        0 <= percent <= 100,
        "threshold_range",
        f"threshold {percent} % is not within 0-100",
    )


class QuotePolicy(SalesAggregate):
    @classmethod
    def record(cls, approval_threshold: Decimal) -> QuotePolicy:
        check_threshold(approval_threshold)
        return cls(id=QUOTE_POLICY_ID, approval_threshold=approval_threshold)

    @event("Recorded")
    def __init__(self, id: UUID, approval_threshold: Decimal) -> None:
        self.approval_threshold = approval_threshold

    def change_threshold(self, percent: Decimal) -> None:
        check_threshold(percent)
        if percent != self.approval_threshold:
            self._changed(old=self.approval_threshold, new=percent)

    @event("ThresholdChanged")
    def _changed(self, old: Decimal, new: Decimal) -> None:
        self.approval_threshold = new
