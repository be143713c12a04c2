"""Hiring plan commands: draw up a plan, add a position, record spend on a
source, close the plan.

What must hold:
- Only managers and admins run recruiting (``Forbidden`` for others).
- A position's team, if named, is an existing team (``unknown_team``, 422).
- The recruiting pipeline (``RECRUITING_PIPELINE_ID``) exists once a plan
  does: the first plan creates it, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Conflict,
    Context,
    Forbidden,
    Outcome,
    chosen_or_new,
    exists,
    load,
    referenced,
    repeat_of_creation,
    save,
)
from commands.normalise import Currency, Money, Name
from domain.hiring import KEY, HiringPlan, Position
from domain.pipeline import RECRUITING_PIPELINE_ID, RECRUITING_STAGES, Pipeline
from domain.rep import Team

Key = Annotated[str, StringConstraints(pattern=KEY.pattern)]
Source = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
]


class QualificationSpec(Command):
    key: Key
    name: Name
    min_score: int = Field(ge=1, le=5, description="least score (1-5) to pass")


class PositionSpec(Command):
    key: Key
    title: Name
    team_id: UUID | None = None
    territory: Name | None = None
    job_description: Description
    headcount: int = Field(default=1, ge=1, le=10000)
    qualifications: tuple[QualificationSpec, ...] = Field(min_length=1)

    def position(self) -> Position:
        data: Any = self.model_dump(mode="json")
        data["qualifications"] = list(data["qualifications"])
        return data  # type: ignore[no-any-return]


class DrawUpPlan(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    name: Name
    currency: Currency
    positions: tuple[PositionSpec, ...] = Field(min_length=1)


class AddPosition(PositionSpec):
    plan_id: UUID


class RecordSpend(Command):
    plan_id: UUID
    source: Source
    amount: Money
    currency: Currency


class ClosePlan(Command):
    plan_id: UUID


def require_recruiter(caller: Caller) -> None:
    if not caller.has("manager", "admin"):
        raise Forbidden(f"{caller.name} may not run recruiting: managers and admins")


def save_with_pipeline(
    app: SalesApplication, ctx: Context, make: Callable[[], Aggregate]
) -> Outcome:
    """Saves the new record ``make()`` makes, with the recruiting pipeline if
    it does not exist yet. When another command created the pipeline
    meanwhile, the record is made and saved again, alone."""
    pipeline, new = recruiting_pipeline(app)
    if not new:
        return save(app, ctx, make(), created=True)
    try:
        return save(app, ctx, make(), pipeline, created=True)
    except Conflict:
        if exists(app, RECRUITING_PIPELINE_ID) is None:
            raise
        return save(app, ctx, make(), created=True)


def recruiting_pipeline(app: SalesApplication) -> tuple[Pipeline, bool]:
    """The recruiting pipeline, and whether it is new (to be saved)."""
    found = exists(app, RECRUITING_PIPELINE_ID)
    if isinstance(found, Pipeline):
        return found, False
    return Pipeline.create(
        RECRUITING_PIPELINE_ID, "Recruiting", RECRUITING_STAGES
    ), True


def _check_teams(app: SalesApplication, positions: list[Position]) -> None:
    for p in positions:
        if p["team_id"] is not None:
            referenced(app, Team, UUID(p["team_id"]), "unknown_team")


def draw_up_plan(app: SalesApplication, cmd: DrawUpPlan, ctx: Context) -> Outcome:
    require_recruiter(ctx.caller)
    plan_id, found = chosen_or_new(app, cmd.id)
    positions = [p.position() for p in cmd.positions]
    fields: dict[str, Any] = {"name": cmd.name, "currency": cmd.currency}
    fields["positions"] = positions
    if found is not None:
        return repeat_of_creation(app, found, HiringPlan, fields)
    _check_teams(app, positions)
    return save_with_pipeline(app, ctx, lambda: HiringPlan.draw_up(plan_id, **fields))


def _load(app: SalesApplication, plan_id: UUID, ctx: Context) -> HiringPlan:
    require_recruiter(ctx.caller)
    return load(app, HiringPlan, plan_id, ctx)


def add_position(app: SalesApplication, cmd: AddPosition, ctx: Context) -> Outcome:
    plan = _load(app, cmd.plan_id, ctx)
    position = PositionSpec(**cmd.model_dump(exclude={"plan_id"})).position()
    _check_teams(app, [position])
    plan.add_position(position)
    return save(app, ctx, plan)


def record_spend(app: SalesApplication, cmd: RecordSpend, ctx: Context) -> Outcome:
    plan = _load(app, cmd.plan_id, ctx)
    plan.record_spend(cmd.source, cmd.amount, cmd.currency)
    return save(app, ctx, plan)


def close_plan(app: SalesApplication, cmd: ClosePlan, ctx: Context) -> Outcome:
    plan = _load(app, cmd.plan_id, ctx)
    plan.close()
    return save(app, ctx, plan)
