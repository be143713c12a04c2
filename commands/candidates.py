"""Candidate commands: apply, move through the recruiting pipeline, assess,
offer, accept or decline, reject, and assimilate (start date, mentor,
onboarding checklist).

What must hold:
- Only managers and admins run recruiting (``Forbidden`` for others).
- A candidate applies for a position of an open plan (``unknown_plan``,
  ``plan_closed``, ``unknown_position``: 422s), entering the recruiting
  pipeline's first stage unless another is named; a stage moved to is one of
  that pipeline's (``unknown_stage``).
- A mentor is an existing, active rep (``mentor_must_be_active_rep``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
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
from commands.hiring import (
    Key,
    Source,
    recruiting_pipeline,
    require_recruiter,
    save_with_pipeline,
)
from commands.normalise import Email, Money, Name, Text
from commands.personal_data import shredder_of
from commands.reps import active_rep
from domain.base import check
from domain.candidate import Candidate
from domain.hiring import HiringPlan

Item = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class Apply(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    plan_id: UUID
    position_key: Key
    name: Name
    email: Email | None = None
    source: Source
    cost: Money = Field(default=Decimal(0), description="sourcing cost, plan currency")
    stage: Key | None = Field(default=None, description="default: the first stage")


class CandidateCommand(Command):
    candidate_id: UUID


class MoveCandidate(CandidateCommand):
    stage: Key


class Assess(CandidateCommand):
    qualification: Key
    score: int = Field(ge=1, le=5)
    note: Text | None = None


class MakeOffer(CandidateCommand):
    terms: Text
    start_date: date | None = None


class AcceptOffer(CandidateCommand):
    pass


class DeclineOffer(CandidateCommand):
    reason: Text | None = None


class RejectCandidate(CandidateCommand):
    reason: Text | None = None


class Assimilate(CandidateCommand):
    """Only the fields present change; checklist items are added, and
    ``completed`` items (added if new) are ticked off."""

    start_date: date | None = None
    mentor_id: UUID | None = None
    checklist: tuple[Item, ...] = ()
    completed: tuple[Item, ...] = ()


def apply(app: SalesApplication, cmd: Apply, ctx: Context) -> Outcome:
    require_recruiter(ctx.caller)
    candidate_id, found = chosen_or_new(app, cmd.id)
    fields = cmd.model_dump(exclude={"id", "stage"})
    if found is not None:  # the stage and qualifications were derived then
        return repeat_of_creation(app, found, Candidate, fields)
    plan = referenced(app, HiringPlan, cmd.plan_id, "unknown_plan")
    check(plan.status == "open", "plan_closed", "the hiring plan is closed")
    position = plan.position(cmd.position_key)
    pipeline, _ = recruiting_pipeline(app)
    stage = pipeline.require_stage(cmd.stage or pipeline.keys[0]).key
    quals = {q["key"]: q["min_score"] for q in position["qualifications"]}
    fields.update(stage=stage, qualifications=quals)
    return save_with_pipeline(app, ctx, lambda: Candidate(id=candidate_id, **fields))


def _load(app: SalesApplication, cmd: CandidateCommand, ctx: Context) -> Candidate:
    require_recruiter(ctx.caller)
    return load(app, Candidate, cmd.candidate_id, ctx)


def move_candidate(app: SalesApplication, cmd: MoveCandidate, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    pipeline, _ = recruiting_pipeline(app)
    candidate.move_to(pipeline.require_stage(cmd.stage).key)
    return save(app, ctx, candidate)


def assess(app: SalesApplication, cmd: Assess, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    candidate.assess(cmd.qualification, cmd.score, cmd.note)
    return save(app, ctx, candidate)


def make_offer(app: SalesApplication, cmd: MakeOffer, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    candidate.make_offer(cmd.terms, cmd.start_date)
    return save(app, ctx, candidate)


def accept_offer(app: SalesApplication, cmd: AcceptOffer, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    candidate.accept_offer()
    return save(app, ctx, candidate)


def decline_offer(app: SalesApplication, cmd: DeclineOffer, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    candidate.decline_offer(cmd.reason)
    return save(app, ctx, candidate)


def reject(app: SalesApplication, cmd: RejectCandidate, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    candidate.reject(cmd.reason)
    return save(app, ctx, candidate)


class ForgetCandidate(CandidateCommand):
    pass


def forget_candidate(
    app: SalesApplication, cmd: ForgetCandidate, ctx: Context
) -> Outcome:
    """Admins only. The key goes first, then ``Forgotten`` (as for leads,
    ``commands.personal_data``); again changes nothing. The answer holds
    the candidate as it now reads: erased."""
    if not ctx.caller.has("admin"):
        raise Forbidden(f"{ctx.caller.name} may not forget candidates: admins only")
    candidate = load(app, Candidate, cmd.candidate_id, ctx)
    if candidate.forgotten:
        return Outcome(candidate, app.recorder.max_notification_id() or 0)
    shredder = shredder_of(app)
    if shredder is not None:
        shredder.forget_subjects([candidate.id])
    candidate.forget()
    outcome = save(app, ctx, candidate)
    erased = load(app, Candidate, candidate.id, Context.anonymous())
    return replace(outcome, aggregate=erased)


def assimilate(app: SalesApplication, cmd: Assimilate, ctx: Context) -> Outcome:
    candidate = _load(app, cmd, ctx)
    if cmd.start_date is not None:
        candidate.schedule_start(cmd.start_date)
    if cmd.mentor_id is not None:
        candidate.assign_mentor(active_rep(app, cmd.mentor_id, "mentor").id)
    for item in (*cmd.checklist, *cmd.completed):
        candidate.add_onboarding_item(item)
    for item in cmd.completed:
        candidate.complete_onboarding_item(item)
    return save(app, ctx, candidate)
