"""Pipeline commands: create, rename, and add, change, reorder or remove stages.

What must hold:
- Only admins write pipelines (``Forbidden`` for everyone else).
- The default sales pipeline (``DEFAULT_PIPELINE_ID``) exists once the engine
  has started: ``ensure_default_pipeline`` creates it, at most once, even when
  several processes start together.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Conflict,
    Context,
    Forbidden,
    IdReused,
    Outcome,
    execute,
    exists,
    load,
    repeat_of_creation,
    save,
)
from commands.ids import new_id
from commands.normalise import Name
from domain.pipeline import (
    DEFAULT_PIPELINE_ID,
    DEFAULT_STAGES,
    STAGE_KEY,
    Pipeline,
    Stage,
)

logger = logging.getLogger(__name__)

StageKey = Annotated[str, StringConstraints(pattern=STAGE_KEY.pattern)]
Probability = Annotated[int, Field(ge=0, le=100, description="win probability, %")]
ForecastCategory = Literal["pipeline", "best_case", "commit", "closed", "omitted"]
SYSTEM_CALLER = Caller("system", frozenset({"admin"}))


class StageDefinition(Command):
    key: StageKey
    name: Name
    probability: Probability
    forecast_category: ForecastCategory

    def stage(self) -> Stage:
        return Stage(self.key, self.name, self.probability, self.forecast_category)


class CreatePipeline(Command):
    id: UUID | None = Field(default=None, description="client-chosen id")
    name: Name
    stages: tuple[StageDefinition, ...] = Field(min_length=1)


class RenamePipeline(Command):
    pipeline_id: UUID
    name: Name


class AddStage(StageDefinition):
    pipeline_id: UUID
    position: int | None = Field(default=None, ge=0, description="0 = first")


class ChangeStage(Command):
    """Only the fields present change."""

    pipeline_id: UUID
    key: StageKey
    name: Name | None = None
    probability: Probability | None = None
    forecast_category: ForecastCategory | None = None


class RemoveStage(Command):
    pipeline_id: UUID
    key: StageKey


class ReorderStages(Command):
    pipeline_id: UUID
    keys: tuple[StageKey, ...] = Field(min_length=1)


def require_admin(caller: Caller) -> None:
    if not caller.has("admin"):
        raise Forbidden(f"{caller.name} may not change pipelines: admins only")


def create_pipeline(
    app: SalesApplication, cmd: CreatePipeline, ctx: Context
) -> Outcome:
    require_admin(ctx.caller)
    pipeline_id = cmd.id or new_id()
    stages = tuple(s.stage() for s in cmd.stages)
    if (found := exists(app, pipeline_id)) is not None:
        specs = [s.spec() for s in stages]
        fields = {"name": cmd.name, "stages": specs}
        return repeat_of_creation(app, found, Pipeline, fields)
    pipeline = Pipeline.create(pipeline_id, cmd.name, stages)
    return save(app, ctx, pipeline, created=True)


def _load(app: SalesApplication, pipeline_id: UUID, ctx: Context) -> Pipeline:
    require_admin(ctx.caller)
    return load(app, Pipeline, pipeline_id, ctx)


def rename_pipeline(
    app: SalesApplication, cmd: RenamePipeline, ctx: Context
) -> Outcome:
    pipeline = _load(app, cmd.pipeline_id, ctx)
    pipeline.rename(cmd.name)
    return save(app, ctx, pipeline)


def add_stage(app: SalesApplication, cmd: AddStage, ctx: Context) -> Outcome:
    pipeline = _load(app, cmd.pipeline_id, ctx)
    pipeline.add_stage(cmd.stage(), cmd.position)
    return save(app, ctx, pipeline)


def change_stage(app: SalesApplication, cmd: ChangeStage, ctx: Context) -> Outcome:
    pipeline = _load(app, cmd.pipeline_id, ctx)
    pipeline.change_stage(
        cmd.key,
        name=cmd.name,
        probability=cmd.probability,
        forecast_category=cmd.forecast_category,
    )
    return save(app, ctx, pipeline)


def remove_stage(app: SalesApplication, cmd: RemoveStage, ctx: Context) -> Outcome:
    """Allowed while open opportunities sit in the stage: they keep its key."""
    pipeline = _load(app, cmd.pipeline_id, ctx)
    pipeline.remove_stage(cmd.key)
    return save(app, ctx, pipeline)


def reorder_stages(app: SalesApplication, cmd: ReorderStages, ctx: Context) -> Outcome:
    pipeline = _load(app, cmd.pipeline_id, ctx)
    pipeline.reorder(cmd.keys)
    return save(app, ctx, pipeline)


def ensure_default_pipeline(app: SalesApplication) -> bool:
    """Create the default sales pipeline unless it exists; ``True`` if this
    call created it. Recorded as actor ``system``. Safe when processes race:
    the loser's insert is refused by the store and counts as done."""
    if exists(app, DEFAULT_PIPELINE_ID) is not None:
        return False
    command = CreatePipeline(
        id=DEFAULT_PIPELINE_ID,
        name="Sales pipeline",
        stages=tuple(
            StageDefinition(
                key=s.key,
                name=s.name,
                probability=s.probability,
                forecast_category=s.forecast_category,  # type: ignore[arg-type]
            )
            for s in DEFAULT_STAGES
        ),
    )
    try:
        outcome = execute(create_pipeline, app, command, Context(SYSTEM_CALLER))
    except (Conflict, IdReused):  # another engine created it meanwhile
        outcome = None
    if outcome is None or not outcome.created:
        logger.info("default pipeline created by another process meanwhile")
        return False
    logger.info("default pipeline created: %s", DEFAULT_PIPELINE_ID)
    return True
