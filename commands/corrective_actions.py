"""Corrective action commands: open one against a variance, change its due
date or owner, close it with an outcome.

What must hold:
- Only managers and admins open, change and close actions (``Forbidden``).
- The owner is an active rep (rule ``owner_must_be_active_rep``); a rep or
  team member is named by the id of an existing rep or team.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Outcome,
    chosen_or_new,
    load,
    repeat_of_creation,
    save,
)
from commands.normalise import Currency, Name, Text
from commands.reps import ensure_active_rep
from commands.standards import (
    ActivityKind,
    Metric,
    Scope,
    require_manager,
    scope_subject,
)
from domain.corrective_action import CorrectiveAction

ActionKind = Literal[
    "coaching", "training", "territory_change", "call_plan_change", "other"
]


class OpenCorrectiveAction(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    scope: Scope
    member: Name = Field(description="rep or team id, territory, or 'everyone'")
    metric: Metric
    activity_kind: ActivityKind | None = None
    currency: Currency | None = None
    period: str = Field(max_length=10, description="YYYY-MM, YYYY-Qn or YYYY")
    owner_id: UUID
    kind: ActionKind
    due_date: date
    note: Text | None = None

    def opening(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id"})


class ChangeCorrectiveAction(Command):
    """Only the fields present change."""

    action_id: UUID
    due_date: date | None = None
    owner_id: UUID | None = None


class CloseCorrectiveAction(Command):
    action_id: UUID
    outcome: Text
    closed_on: date | None = Field(default=None, description="default: today (UTC)")


def open_corrective_action(
    app: SalesApplication, cmd: OpenCorrectiveAction, ctx: Context
) -> Outcome:
    require_manager(ctx)
    member = scope_subject(app, cmd.scope, cmd.member) or cmd.member
    fields = cmd.opening() | {"member": member}
    action_id, found = chosen_or_new(app, cmd.id)
    if found is not None:
        return repeat_of_creation(app, found, CorrectiveAction, fields)
    ensure_active_rep(app, cmd.owner_id, "owner")
    action = CorrectiveAction.open(id=action_id, **fields)
    return save(app, ctx, action, created=True)


def change_corrective_action(
    app: SalesApplication, cmd: ChangeCorrectiveAction, ctx: Context
) -> Outcome:
    require_manager(ctx)
    action = load(app, CorrectiveAction, cmd.action_id, ctx)
    if cmd.due_date is not None:
        action.change_due_date(cmd.due_date)
    if cmd.owner_id is not None and cmd.owner_id != action.owner_id:
        ensure_active_rep(app, cmd.owner_id, "owner")
        action.assign_owner(cmd.owner_id)
    return save(app, ctx, action)


def close_corrective_action(
    app: SalesApplication, cmd: CloseCorrectiveAction, ctx: Context
) -> Outcome:
    require_manager(ctx)
    action = load(app, CorrectiveAction, cmd.action_id, ctx)
    action.close(cmd.outcome, cmd.closed_on or datetime.now(UTC).date())
    return save(app, ctx, action)
