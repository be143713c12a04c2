"""Outreach: who is approaching which customer, for what purpose, through which
department and rep (docs/read-models.md, ``outreach_*`` tables).

The view stores facts only: every outreach activity (any kind but a task)
with its customer, purpose, rep, department, status and times; every
override of the outreach guard; each contact's account. It reads no clock
and no settings, so a rebuild gives the same rows; ``outreach_query``
applies the look-back windows of the settings when a reader asks.

What must hold:
- An activity naming only a contact is with that contact's account of the
  moment it was planned or logged (as on the contact history).
- ``at`` is the time that counts for the guard: the scheduled time while
  planned, the completion time once completed.
- Times are stored in UTC (ISO 8601 text on SQLite, compared as text).
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.activity import Activity
from domain.activity_rules import TASK
from domain.contact import Contact
from projections.agenda import utc
from projections.events import event_class
from projections.view import Step, View, handles

REGISTERED = event_class(Contact, "Registered")
MOVED = event_class(Contact, "AccountChanged")
PLANNED = event_class(Activity, "Planned")
RESCHEDULED = event_class(Activity, "Rescheduled")
CANCELLED = event_class(Activity, "Cancelled")
DETAILS_CHANGED = event_class(Activity, "DetailsChanged")
OVERRIDDEN = event_class(Activity, "GuardOverridden")


class Outreach(View):
    name = "outreach"
    reads_personal_data = False  # boxes stay shut (projections.view)
    tables: ClassVar[dict[str, str]] = {
        "approaches": (
            "activity_id UUID PRIMARY KEY, contact_id UUID, account_id UUID,"
            " purpose TEXT NOT NULL, kind TEXT NOT NULL, rep_id UUID,"
            " department TEXT, status TEXT NOT NULL, scheduled_at TIMESTAMPTZ,"
            " completed_at TIMESTAMPTZ, at TIMESTAMPTZ NOT NULL,"
            " override_reason TEXT, position BIGINT NOT NULL"
        ),
        "overrides": (
            "position BIGINT PRIMARY KEY, activity_id UUID NOT NULL,"
            " occurred_at TIMESTAMPTZ NOT NULL, actor TEXT NOT NULL,"
            " reason TEXT NOT NULL, rules TEXT NOT NULL, colliding_ids TEXT NOT NULL,"
            " contact_id UUID, account_id UUID, purpose TEXT, rep_id UUID,"
            " department TEXT"
        ),
        "contacts": "contact_id UUID PRIMARY KEY, account_id UUID",
    }
    indexes: ClassVar[dict[str, str]] = {
        "by_account": "{approaches} (account_id, status, at)",
        "by_contact": "{approaches} (contact_id, status, at)",
        "contacts_by_account": "{contacts} (account_id)",
        "overrides_by_rep": "{overrides} (rep_id, position)",
    }

    @handles(REGISTERED, MOVED)
    def contact_event(self, step: Step, event: Any) -> None:
        account_id = event.new if isinstance(event, MOVED) else event.account_id
        step.execute(
            "INSERT INTO {contacts} VALUES (%s, %s) ON CONFLICT (contact_id)"
            " DO UPDATE SET account_id = excluded.account_id",
            event.originator_id,
            account_id,
        )
        step.remember(("contact", event.originator_id), (account_id,))

    def account_of(self, step: Step, contact_id: Any) -> Any:
        if contact_id is None:
            return None
        row = step.lookup(
            ("contact", contact_id),
            "SELECT account_id FROM {contacts} WHERE contact_id = %s",
            contact_id,
        )
        return row[0] if row else None

    @handles(PLANNED, Activity.Logged)
    def created(self, step: Step, event: Any) -> None:
        if event.kind == TASK:
            return
        logged = isinstance(event, Activity.Logged)
        completed_at = utc(event.completed_at) if logged else None
        scheduled_at = utc(event.scheduled_at)
        step.execute(
            "INSERT INTO {approaches} (activity_id, contact_id, account_id,"
            " purpose, kind, rep_id, department, status, scheduled_at,"
            " completed_at, at, position)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (activity_id) DO NOTHING",
            event.originator_id,
            event.contact_id,
            event.account_id or self.account_of(step, event.contact_id),
            event.purpose,
            event.kind,
            event.owner_id,
            event.department,
            "completed" if logged else "planned",
            scheduled_at,
            completed_at,
            completed_at if logged else scheduled_at,
            step.position,
        )

    @handles(Activity.Completed)
    def completed(self, step: Step, event: Any) -> None:
        done = utc(event.completed_at)
        sets = "status = 'completed', completed_at = %s, at = %s"
        self._set(step, event, sets, done, done)

    @handles(RESCHEDULED)
    def rescheduled(self, step: Step, event: Any) -> None:
        new = utc(event.new)
        self._set(step, event, "scheduled_at = %s, at = %s", new, new)

    @handles(CANCELLED)
    def cancelled(self, step: Step, event: Any) -> None:
        self._set(step, event, "status = 'cancelled'")

    @handles(DETAILS_CHANGED)
    def details_changed(self, step: Step, event: Any) -> None:
        new = event.new or {}
        for column in ("purpose", "department"):
            if column in new:
                self._set(step, event, f"{column} = %s", new[column])

    def _set(self, step: Step, event: Any, sets: str, *values: Any) -> None:
        step.execute(
            f"UPDATE {{approaches}} SET {sets}, position = %s WHERE activity_id = %s",
            *values,
            step.position,
            event.originator_id,
        )

    @handles(OVERRIDDEN)
    def overridden(self, step: Step, event: Any) -> None:
        self._set(step, event, "override_reason = %s", event.reason)
        row = step.one(
            "SELECT contact_id, account_id, purpose, rep_id, department"
            " FROM {approaches} WHERE activity_id = %s",
            event.originator_id,
        )
        about = row or (None,) * 5
        step.execute(
            "INSERT INTO {overrides} VALUES"
            " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (position) DO NOTHING",
            step.position,
            event.originator_id,
            utc(event.timestamp),
            event.actor,
            event.reason,
            ",".join(event.rules),
            ",".join(str(i) for i in event.colliding_ids),
            *about,
        )
