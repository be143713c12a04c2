"""CorrectiveAction: what a manager does about a variance, e.g. coaching a rep
who completed 40 % fewer calls than the standard in November.

What must hold:
- It addresses one variance: a member of a control-report scope (a rep or
  team by id, a territory, or everyone), a metric (with its activity kind or
  currency, as the standard names them) and a period (``2026-11``,
  ``2026-Q4``, ``2026``).
- It has an owner (the rep who carries it out), a kind of ``KINDS``, a due
  date and an optional note; it is ``open`` until closed with an outcome.
- Only an open action changes; closing needs an outcome. A change that
  changes nothing records nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.periods import BadPeriod, parse
from domain.standard import METRICS, SCOPES

KINDS = ("coaching", "training", "territory_change", "call_plan_change", "other")
OPEN, CLOSED = "open", "closed"


def check_target(scope: str, member: str, metric: str, period: str) -> None:
    check(scope in SCOPES, "scope_unknown", f"no scope {scope!r}")
    check(bool(member.strip()), "member_required", "name the member addressed")
    check(metric in METRICS, "metric_unknown", f"no metric {metric!r}")
    try:
        parse(period)
    except BadPeriod as e:
        check(False, "period_format", str(e))


class CorrectiveAction(SalesAggregate):
    @classmethod
    def open(cls, id: UUID, **fields: Any) -> CorrectiveAction:
        """``fields``: the parameters of ``__init__``."""
        check_target(
            fields["scope"], fields["member"], fields["metric"], fields["period"]
        )
        check(fields["kind"] in KINDS, "action_kind", f"no kind {fields['kind']!r}")
        return cls(id=id, **fields)

    @event("Opened")
    def __init__(
        self,
        id: UUID,
        scope: str,
        member: str,
        metric: str,
        period: str,
        owner_id: UUID,
        kind: str,
        due_date: date,
        activity_kind: str | None = None,
        currency: str | None = None,
        note: str | None = None,
    ) -> None:
        self.scope = scope
        self.member = member
        self.metric = metric
        self.activity_kind = activity_kind
        self.currency = currency
        self.period = period
        self.owner_id = owner_id
        self.kind = kind
        self.due_date = due_date
        self.note = note
        self.status = OPEN
        self.outcome: str | None = None
        self.closed_on: date | None = None

    def _must_be_open(self) -> None:
        check(self.status == OPEN, "action_closed", "the action is closed")

    def change_due_date(self, due_date: date) -> None:
        self._must_be_open()
        if due_date != self.due_date:
            self._due_date_changed(old=self.due_date, new=due_date)

    @event("DueDateChanged")
    def _due_date_changed(self, old: date, new: date) -> None:
        self.due_date = new

    def assign_owner(self, owner_id: UUID) -> None:
        self._must_be_open()
        if owner_id != self.owner_id:
            self._owner_changed(old=self.owner_id, new=owner_id)

    @event("OwnerChanged")
    def _owner_changed(self, old: UUID, new: UUID) -> None:
        self.owner_id = new

    def close(self, outcome: str, closed_on: date) -> None:
        self._must_be_open()
        check(bool(outcome.strip()), "outcome_required", "say what came of it")
        self._closed(outcome=outcome, closed_on=closed_on)

    @event("Closed")
    def _closed(self, outcome: str, closed_on: date) -> None:
        self.status, self.outcome, self.closed_on = CLOSED, outcome, closed_on
