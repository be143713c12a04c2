"""Activity: one contact made or planned with a customer, or an internal task.

What must hold:
- What it is about (kind, customer, purpose) and how it was completed follow
  ``domain.activity_rules``, whether it is planned, logged or completed; its
  times are timezone-aware.
- Status moves ``planned`` -> ``completed`` | ``cancelled``; only a planned
  activity is rescheduled, changed, completed or cancelled.
- An activity never planned is *logged*: one ``Logged`` event creates it
  completed, so plans (call planning, agenda) never count after-the-fact logs.
- A follow-up is another activity planned in the same save; the first names
  it (``follow_up_id``) and it names the first (``follows_id``).
- A change that changes nothing records nothing.
- An outreach the collision guard or the frequency cap let pass on an
  override is marked by ``GuardOverridden`` (the reason, the rules it
  overrode, the activities it collides with), saved with the activity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.activity_rules import (
    TASK,
    check_aware,
    check_completion,
    check_details,
)
from domain.base import SalesAggregate, check
from domain.personal import declare

PLANNED, COMPLETED, CANCELLED = "planned", "completed", "cancelled"
DETAILS = ("purpose", "purpose_note", "notes", "department")
COMPLETION = ("outcome", "outcome_note", "duration_minutes", "notes", "completed_at")
_UNSET: dict[str, Any] = dict.fromkeys(
    ("contact_id", "account_id", "owner_id", "department", "purpose_note", "notes")
) | dict.fromkeys(("scheduled_at", "outcome_note", "follow_up_id"))


class Activity(SalesAggregate):
    @event("Planned")
    def __init__(
        self,
        id: UUID,  # the library takes the aggregate id from this parameter
        kind: str,
        purpose: str,
        scheduled_at: datetime | None,
        contact_id: UUID | None = None,
        account_id: UUID | None = None,
        owner_id: UUID | None = None,
        department: str | None = None,
        purpose_note: str | None = None,
        notes: str | None = None,
        follows_id: UUID | None = None,
    ) -> None:
        self.kind = kind
        self.purpose = purpose
        self.scheduled_at = scheduled_at
        self.contact_id = contact_id
        self.account_id = account_id
        self.owner_id = owner_id
        self.department = department
        self.purpose_note = purpose_note
        self.notes = notes
        self.follows_id = follows_id
        self.status = PLANNED
        self.outcome: str | None = None
        self.outcome_note: str | None = None
        self.duration_minutes: int | None = None
        self.completed_at: datetime | None = None
        self.cancel_reason: str | None = None
        self.follow_up_id: UUID | None = None
        self.override_reason: str | None = None

    class Logged(SalesAggregate.Created):
        """Created completed: the activity happened without being planned."""

        kind: str
        purpose: str
        scheduled_at: datetime | None
        contact_id: UUID | None
        account_id: UUID | None
        owner_id: UUID | None
        department: str | None
        purpose_note: str | None
        notes: str | None
        outcome: str
        outcome_note: str | None
        duration_minutes: int
        completed_at: datetime
        follow_up_id: UUID | None

        def apply(self, aggregate: Activity) -> None:
            aggregate._finish(self)

    class Completed(SalesAggregate.Event):
        """``notes`` are the activity's notes from now on."""

        outcome: str
        outcome_note: str | None
        duration_minutes: int
        notes: str | None
        completed_at: datetime
        follow_up_id: UUID | None

        def apply(self, aggregate: Activity) -> None:
            aggregate._finish(self)

    @classmethod
    def plan(cls, id: UUID, scheduled_at: datetime, **details: Any) -> Activity:
        """A new planned activity; ``details`` are the ``__init__`` fields."""
        check_details(**details)
        check_aware(scheduled_at, "scheduled_at")
        return cls(id=id, scheduled_at=scheduled_at, **details)

    @classmethod
    def log(cls, id: UUID, **fields: Any) -> Activity:
        """A new activity that already happened, created completed; ``fields``
        are those of ``Logged``."""
        fields = _UNSET | fields
        check_details(**fields)
        if fields["scheduled_at"] is not None:
            check_aware(fields["scheduled_at"], "scheduled_at")
        check_completion(**fields)
        return cls._create(cls.Logged, id=id, **fields)

    def plan_follow_up(self, id: UUID, at: datetime, **overrides: Any) -> Activity:
        """The next activity: same kind, customer, owner, department and purpose
        as this one unless ``overrides`` say otherwise (a task has no customer;
        a new purpose drops the old note). It names this one as what it follows.
        """
        names = ("kind", "contact_id", "account_id", "owner_id", "department")
        details = {name: getattr(self, name) for name in (*names, "purpose")}
        if "purpose" not in overrides:
            details["purpose_note"] = self.purpose_note
        if overrides.get("kind") == TASK:
            details |= {"contact_id": None, "account_id": None}
        details |= overrides
        return Activity.plan(id, at, follows_id=self.id, **details)

    def _require_planned(self, doing: str) -> None:
        msg = f"only a planned activity can be {doing}; this one is {self.status}"
        check(self.status == PLANNED, "activity_not_planned", msg)

    def complete(
        self,
        *,
        outcome: str,
        duration_minutes: int | None,
        completed_at: datetime,
        outcome_note: str | None = None,
        notes: str | None = None,
        follow_up_id: UUID | None = None,
    ) -> None:
        """``notes`` replace the planning notes when given."""
        self._require_planned("completed")
        check_completion(
            self.kind, outcome, duration_minutes, completed_at, outcome_note
        )
        self.trigger_event(
            self.Completed,
            outcome=outcome,
            outcome_note=outcome_note,
            duration_minutes=duration_minutes,
            notes=self.notes if notes is None else notes,
            completed_at=completed_at,
            follow_up_id=follow_up_id,
        )

    def record_override(
        self, reason: str, rules: list[str], colliding_ids: list[UUID]
    ) -> None:
        """The guard let this activity pass over ``rules`` on ``reason``."""
        check(bool(reason), "override_needs_reason", "an override needs a reason")
        self._guard_overridden(reason=reason, rules=rules, colliding_ids=colliding_ids)

    @event("GuardOverridden")
    def _guard_overridden(
        self, reason: str, rules: list[str], colliding_ids: list[UUID]
    ) -> None:
        self.override_reason = reason

    def _finish(self, done: Logged | Completed) -> None:
        self.status = COMPLETED
        for name in (*COMPLETION, "follow_up_id"):
            setattr(self, name, getattr(done, name))

    def cancel(self, reason: str) -> None:
        self._require_planned("cancelled")
        check(bool(reason), "cancel_needs_reason", "cancelling needs a reason")
        self._cancelled(reason=reason)

    @event("Cancelled")
    def _cancelled(self, reason: str) -> None:
        self.status = CANCELLED
        self.cancel_reason = reason

    def reschedule(self, scheduled_at: datetime) -> None:
        """The event carries the old and the new time."""
        self._require_planned("rescheduled")
        check_aware(scheduled_at, "scheduled_at")
        if scheduled_at != self.scheduled_at:
            self._rescheduled(old=self.scheduled_at, new=scheduled_at)

    @event("Rescheduled")
    def _rescheduled(self, old: datetime | None, new: datetime) -> None:
        self.scheduled_at = new

    def change_details(self, **changes: Any) -> None:
        """Purpose, purpose note, notes and department, while planned. One
        event carries the old and the new value of each field that changed."""
        self._require_planned("changed")
        unknown = set(changes) - set(DETAILS)
        check(not unknown, "unknown_activity_detail", f"no details {unknown}")
        after = {name: getattr(self, name) for name in DETAILS} | changes
        about: dict[str, Any] = {"contact_id": self.contact_id}
        about["account_id"] = self.account_id
        check_details(self.kind, **about, **after)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            old = {k: getattr(self, k) for k in changed}
            self._details_changed(old=old, new=changed)

    @event("DetailsChanged")
    def _details_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for name, value in new.items():
            setattr(self, name, value)


_NOTES = ("purpose_note", "notes")
declare(
    Activity,
    subject="contact_id",
    Planned=_NOTES,
    Logged=(*_NOTES, "outcome_note"),
    Completed=("outcome_note", "notes"),
    DetailsChanged=tuple(f"{side}.{n}" for side in ("old", "new") for n in _NOTES),
    Cancelled=("reason",),
    state=(*_NOTES, "outcome_note", "cancel_reason"),
)
