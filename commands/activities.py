"""Activity commands: plan, log, change, complete, cancel, reschedule.

What must hold:
- The contact and account an activity names exist and agree, and planned
  outreach respects do-not-contact (``commands.activity_rules``).
- The owner is an active rep; without ``owner_id`` it is the caller's rep.
- A follow-up is planned in the same save (one transaction) as the completion
  or log that asks for it; the two name each other.
- ``completed_at`` defaults to the time the command runs.
- Every outreach activity is filed in its customer's outreach ledger in the
  same save, through the collision guard and the frequency cap
  (``commands.activities_outreach``); ``override_reason`` lets a refused one
  pass, and is recorded. A handler that lost a race on a ledger runs again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from commands.activities_outreach import Filing, retrying
from commands.activity_fields import ActivityOutcome, Kind, Minutes, Notes, Purpose
from commands.activity_rules import check_customer, plan_follow_up
from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Context,
    Loaded,
    Outcome,
    chosen_or_new,
    load_for_write,
    load_many,
    repeat_of_creation,
    require_write,
    save,
)
from commands.ids import new_id
from commands.normalise import Text
from commands.reps import ensure_active_rep
from domain.activity import Activity


class FollowUp(Command):
    """The next activity. Fields left out are those of the activity it follows
    (a ``task`` has no customer); ``null`` clears an optional one."""

    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    scheduled_at: AwareDatetime
    kind: Kind | None = None
    purpose: Purpose | None = None
    purpose_note: Text | None = None
    contact_id: UUID | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = None
    department: Text | None = None
    notes: Notes | None = None

    def overrides(self) -> dict[str, Any]:
        fields = self.model_dump(exclude={"id", "scheduled_at"}, exclude_unset=True)
        return {k: v for k, v in fields.items() if v is not None or k not in _SAME}


_SAME = {"kind", "purpose"}  # null means: the same as the activity followed
_OVERRIDE = Field(
    default=None,
    max_length=2000,
    description="go ahead although the outreach guard refuses; recorded",
)


class _NewActivity(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    kind: Kind
    purpose: Purpose
    contact_id: UUID | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = Field(default=None, description="default: the caller")
    department: Text | None = None
    purpose_note: Text | None = None
    notes: Notes | None = None
    override_reason: Text | None = _OVERRIDE

    def details(self, caller: Caller) -> dict[str, Any]:
        """The fields of the new activity; the owner defaults to the caller."""
        skip = {"id", "follow_up", "completed_at", "override_reason"}
        fields = self.model_dump(exclude=skip)
        if "owner_id" not in self.model_fields_set:
            fields["owner_id"] = caller.rep_id
        return fields


class PlanActivity(_NewActivity):
    scheduled_at: AwareDatetime


class LogActivity(_NewActivity):
    """An activity that already happened and was never planned."""

    scheduled_at: AwareDatetime | None = None
    outcome: ActivityOutcome
    outcome_note: Text | None = None
    duration_minutes: Minutes
    completed_at: AwareDatetime | None = Field(default=None, description="or now")
    follow_up: FollowUp | None = None


class ChangeActivityDetails(Command):
    """While planned. Only the fields present change; ``null`` clears an
    optional field (``purpose: null`` keeps the purpose)."""

    activity_id: UUID
    purpose: Purpose | None = None
    purpose_note: Text | None = None
    notes: Notes | None = None
    department: Text | None = None
    override_reason: Text | None = _OVERRIDE


class CompleteActivity(Command):
    activity_id: UUID
    outcome: ActivityOutcome
    outcome_note: Text | None = None
    duration_minutes: Minutes
    notes: Notes | None = Field(default=None, description="replace the notes")
    completed_at: AwareDatetime | None = Field(default=None, description="or now")
    follow_up: FollowUp | None = None
    override_reason: Text | None = _OVERRIDE


class CancelActivity(Command):
    activity_id: UUID
    reason: Text


class RescheduleActivity(Command):
    activity_id: UUID
    scheduled_at: AwareDatetime
    override_reason: Text | None = _OVERRIDE


def _new_id(spec: FollowUp | None) -> UUID | None:
    return None if spec is None else spec.id or new_id()


def follow_ups(
    app: SalesApplication, ctx: Context, origin: Activity, spec: FollowUp | None
) -> list[Activity]:
    """The follow-up ``origin`` names, planned from ``spec`` (none or one)."""
    if spec is None or origin.follow_up_id is None:
        return []
    return [plan_follow_up(app, ctx, origin, spec.scheduled_at, spec.overrides())]


def _customer_and_owner(app: SalesApplication, activity: Activity) -> Loaded:
    """The owner, contact and account a new activity names, read together."""
    ids = (activity.owner_id, activity.contact_id, activity.account_id)
    return load_many(app, ids)


@retrying
def plan_activity(app: SalesApplication, cmd: PlanActivity, ctx: Context) -> Outcome:
    activity_id, found = chosen_or_new(app, cmd.id)
    details = cmd.details(ctx.caller)
    if found is not None:
        fields = {**details, "outcome": None}  # a logged activity is not a plan
        return repeat_of_creation(app, found, Activity, fields)
    require_write(ctx.caller, details["owner_id"], "an activity")
    activity = Activity.plan(activity_id, **details)
    loaded = _customer_and_owner(app, activity)
    ensure_active_rep(app, activity.owner_id, loaded=loaded)
    check_customer(app, activity, outreach=True, loaded=loaded)
    filing = Filing(app, loaded)
    filing.file_new(activity, cmd.override_reason)
    return save(app, ctx, activity, *filing.changed(), created=True)


@retrying
def log_activity(app: SalesApplication, cmd: LogActivity, ctx: Context) -> Outcome:
    activity_id, found = chosen_or_new(app, cmd.id)
    details = cmd.details(ctx.caller)
    if cmd.completed_at is not None:
        details["completed_at"] = cmd.completed_at
    if found is not None:
        return repeat_of_creation(app, found, Activity, details)
    require_write(ctx.caller, details["owner_id"], "an activity")
    details.setdefault("completed_at", datetime.now(UTC))
    follow_up_id = _new_id(cmd.follow_up)
    activity = Activity.log(activity_id, follow_up_id=follow_up_id, **details)
    loaded = _customer_and_owner(app, activity)
    ensure_active_rep(app, activity.owner_id, loaded=loaded)
    check_customer(app, activity, outreach=False, loaded=loaded)
    filing = Filing(app, loaded)
    filing.file_new(activity, cmd.override_reason)
    more = follow_ups(app, ctx, activity, cmd.follow_up)
    for follow_up in more:
        filing.file_new(follow_up, cmd.override_reason)
    return save(app, ctx, activity, *more, *filing.changed(), created=True)


@retrying
def change_activity_details(
    app: SalesApplication, cmd: ChangeActivityDetails, ctx: Context
) -> Outcome:
    """A new purpose or department is decided on again by the guard."""
    activity = load_for_write(app, Activity, cmd.activity_id, ctx, "an activity")
    sent = cmd.model_fields_set - {"activity_id", "override_reason"}
    changes = cmd.model_dump(include=sent)
    if changes.get("purpose", "") is None:
        del changes["purpose"]
    activity.change_details(**changes)
    filing = Filing(app)
    if {"purpose", "department"} & set(changes):
        filing.file_change(activity, cmd.override_reason)
    return save(app, ctx, activity, *filing.changed())


@retrying
def complete_activity(
    app: SalesApplication, cmd: CompleteActivity, ctx: Context
) -> Outcome:
    activity = load_for_write(app, Activity, cmd.activity_id, ctx, "an activity")
    activity.complete(
        outcome=cmd.outcome,
        outcome_note=cmd.outcome_note,
        duration_minutes=cmd.duration_minutes,
        notes=cmd.notes,
        completed_at=cmd.completed_at or datetime.now(UTC),
        follow_up_id=_new_id(cmd.follow_up),
    )
    filing = Filing(app)
    filing.refile(activity)
    more = follow_ups(app, ctx, activity, cmd.follow_up)
    for follow_up in more:
        filing.file_new(follow_up, cmd.override_reason)
    return save(app, ctx, activity, *more, *filing.changed())


@retrying
def cancel_activity(
    app: SalesApplication, cmd: CancelActivity, ctx: Context
) -> Outcome:
    activity = load_for_write(app, Activity, cmd.activity_id, ctx, "an activity")
    activity.cancel(cmd.reason)
    filing = Filing(app)
    filing.refile(activity)
    return save(app, ctx, activity, *filing.changed())


@retrying
def reschedule_activity(
    app: SalesApplication, cmd: RescheduleActivity, ctx: Context
) -> Outcome:
    """A new time is decided on again by the guard."""
    activity = load_for_write(app, Activity, cmd.activity_id, ctx, "an activity")
    activity.reschedule(cmd.scheduled_at)
    filing = Filing(app)
    filing.file_change(activity, cmd.override_reason)
    return save(app, ctx, activity, *filing.changed())
