"""ForecastAdjustment: a manager's own figure for a rep's or a team's
forecast of a period, beside the computed (raw) one, with a note.

What must hold:
- One adjustment per (scope, member, period, currency): its id is derived
  from them (``adjustment_id``), so adjusting again revises it; every
  revision is an event, so the figure said at any moment stays readable.
- The amount is a ``Decimal``, never negative; the note says why.
- The raw forecast is never changed by it: both are kept and shown.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.periods import BadPeriod, parse

SCOPES = ("rep", "team")


def adjustment_id(scope: str, member: str, period: str, currency: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"sfa:adjustment:{scope}:{member}:{period}:{currency}")


def check_adjustment(scope: str, period: str, amount: Decimal, note: str) -> None:
    check(scope in SCOPES, "scope_unknown", f"adjust a rep or a team, not {scope!r}")
    check(amount >= 0, "amount_negative", f"amount {amount} is negative")
    check(bool(note.strip()), "note_required", "say why the figure differs")
    try:
        parse(period)
    except BadPeriod as e:
        check(False, "period_format", str(e))


class ForecastAdjustment(SalesAggregate):
    @classmethod
    def record(
        cls,
        scope: str,
        member: str,
        period: str,
        currency: str,
        amount: Decimal,
        note: str,
    ) -> ForecastAdjustment:
        check_adjustment(scope, period, amount, note)
        return cls(
            id=adjustment_id(scope, member, period, currency),
            scope=scope,
            member=member,
            period=period,
            currency=currency,
            amount=amount,
            note=note,
        )

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        scope: str,
        member: str,
        period: str,
        currency: str,
        amount: Decimal,
        note: str,
    ) -> None:
        self.scope = scope
        self.member = member
        self.period = period
        self.currency = currency
        self.amount = amount
        self.note = note

    def revise(self, amount: Decimal, note: str) -> None:
        check_adjustment(self.scope, self.period, amount, note)
        if (amount, note) != (self.amount, self.note):
            self._revised(amount=amount, note=note, old_amount=self.amount)

    @event("Revised")
    def _revised(self, amount: Decimal, note: str, old_amount: Decimal) -> None:
        self.amount, self.note = amount, note
