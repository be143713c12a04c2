"""Training and coaching commands.

What must hold:
- Managers and admins launch and retire programmes and record completions
  (a service, such as a learning system, may record completions too).
- A completion names an existing rep (``rep_must_be_active_rep`` unless
  active).
- A coaching session is logged by an admin, or by a manager for a rep of a
  team they manage, as its manager (``Forbidden`` otherwise); an admin names
  the manager, who must be an active rep, as must the rep coached.
- ``corrective_action_id`` (on logging or linking) names an existing
  corrective action (``unknown_corrective_action``, a 422, otherwise);
  ``None`` links none (unlinks).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Context,
    Forbidden,
    Outcome,
    chosen_or_new,
    load,
    referenced,
    repeat_of_creation,
    save,
)
from commands.normalise import Name, Text
from commands.reps import active_rep
from domain.base import RuleBroken
from domain.corrective_action import CorrectiveAction
from domain.training import CoachingSession, TrainingProgramme

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]


class LaunchProgramme(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    name: Name
    description: Description = ""
    hours: int | None = Field(default=None, ge=1, le=10000)


class RetireProgramme(Command):
    programme_id: UUID


class RecordCompletion(Command):
    programme_id: UUID
    rep_id: UUID
    completed_on: date
    score: int | None = Field(default=None, ge=0, le=100)


class LogCoaching(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    rep_id: UUID
    manager_id: UUID | None = Field(default=None, description="default: the caller")
    topic: Name
    held_on: date
    notes: Text | None = None
    corrective_action_id: UUID | None = None


class LinkCorrectiveAction(Command):
    session_id: UUID
    corrective_action_id: UUID | None


def require_trainer(caller: Caller, *others: str) -> None:
    if not caller.has("manager", "admin", *others):
        raise Forbidden(f"{caller.name} may not manage training")


def launch_programme(
    app: SalesApplication, cmd: LaunchProgramme, ctx: Context
) -> Outcome:
    require_trainer(ctx.caller)
    programme_id, found = chosen_or_new(app, cmd.id)
    fields = cmd.model_dump(exclude={"id"})
    if found is not None:
        return repeat_of_creation(app, found, TrainingProgramme, fields)
    programme = TrainingProgramme.launch(programme_id, **fields)
    return save(app, ctx, programme, created=True)


def retire_programme(
    app: SalesApplication, cmd: RetireProgramme, ctx: Context
) -> Outcome:
    require_trainer(ctx.caller)
    programme = load(app, TrainingProgramme, cmd.programme_id, ctx)
    programme.retire()
    return save(app, ctx, programme)


def record_completion(
    app: SalesApplication, cmd: RecordCompletion, ctx: Context
) -> Outcome:
    require_trainer(ctx.caller, "service")
    programme = load(app, TrainingProgramme, cmd.programme_id, ctx)
    active_rep(app, cmd.rep_id, "rep")
    programme.record_completion(cmd.rep_id, cmd.completed_on, cmd.score)
    return save(app, ctx, programme)


def _coach(caller: Caller, cmd: LogCoaching) -> UUID:
    """The session's manager: the caller unless an admin names one."""
    if caller.has("admin"):
        manager_id = cmd.manager_id or caller.rep_id
        if manager_id is None:
            raise RuleBroken("name the manager", rule="manager_required")
        return manager_id
    if not caller.has("manager") or cmd.rep_id not in caller.team_rep_ids:
        raise Forbidden(f"{caller.name} may coach only reps of a team they manage")
    if cmd.manager_id not in (None, caller.rep_id):
        raise Forbidden("a manager logs their own coaching sessions")
    assert caller.rep_id is not None  # a manager with a team has a rep record
    return caller.rep_id


def _corrective_action(app: SalesApplication, action_id: UUID | None) -> None:
    if action_id is not None:
        referenced(app, CorrectiveAction, action_id, "unknown_corrective_action")


def log_coaching(app: SalesApplication, cmd: LogCoaching, ctx: Context) -> Outcome:
    manager_id = _coach(ctx.caller, cmd)
    session_id, found = chosen_or_new(app, cmd.id)
    fields = cmd.model_dump(exclude={"id"}) | {"manager_id": manager_id}
    if found is not None:
        return repeat_of_creation(app, found, CoachingSession, fields)
    active_rep(app, manager_id, "manager")
    active_rep(app, cmd.rep_id, "rep")
    _corrective_action(app, cmd.corrective_action_id)
    session = CoachingSession.log(session_id, **fields)
    return save(app, ctx, session, created=True)


def link_corrective_action(
    app: SalesApplication, cmd: LinkCorrectiveAction, ctx: Context
) -> Outcome:
    session = load(app, CoachingSession, cmd.session_id, ctx)
    caller = ctx.caller
    if not caller.has("admin") and caller.rep_id != session.manager_id:
        raise Forbidden("only the session's manager or an admin links it")
    _corrective_action(app, cmd.corrective_action_id)
    session.link_corrective_action(cmd.corrective_action_id)
    return save(app, ctx, session)
