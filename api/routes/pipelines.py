"""``/pipelines``: the stages deals move through. Admins write; everyone reads.

Removing a stage is allowed while open opportunities sit in it: they keep
its key, and can move on to any stage that exists.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.pipelines import (
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    StageAddIn,
    StageOrderIn,
    StagePatch,
)
from api.writes import WRITE_ERRORS, AdminWriteDep, read_response
from commands import pipelines as cmd
from commands.base import Context, load
from domain.pipeline import DEFAULT_PIPELINE_ID, STAGE_KEY, Pipeline

router = APIRouter(prefix="/pipelines", tags=["pipelines"])

StageKeyPath = Annotated[str, Path(pattern=STAGE_KEY.pattern)]


@router.post("", status_code=201, response_model=PipelineOut, responses=WRITE_ERRORS)
def create_pipeline(body: PipelineIn, w: AdminWriteDep) -> JSONResponse:
    """Create a pipeline. Sending the same id and body again creates nothing."""
    stages = tuple(cmd.StageDefinition(**s.model_dump()) for s in body.stages)
    command = cmd.CreatePipeline(id=body.id, name=body.name, stages=stages)
    return w.run(cmd.create_pipeline, command, PipelineOut.of)


@router.get("/default", response_model=PipelineOut, responses={404: {}})
def get_default_pipeline(_: Reader, container: ContainerDep) -> JSONResponse:
    """The default sales pipeline (its id is fixed: see the README)."""
    return get_pipeline(DEFAULT_PIPELINE_ID, _, container)


@router.get("/{pipeline_id}", response_model=PipelineOut, responses={404: {}})
def get_pipeline(pipeline_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The pipeline as it stands now, from the event store."""
    pipeline = load(container.app, Pipeline, pipeline_id, Context.anonymous())
    return read_response(PipelineOut.of(pipeline), pipeline.version)


@router.patch("/{pipeline_id}", response_model=PipelineOut, responses=WRITE_ERRORS)
def rename_pipeline(
    pipeline_id: UUID, body: PipelinePatch, w: AdminWriteDep
) -> JSONResponse:
    command = cmd.RenamePipeline(pipeline_id=pipeline_id, name=body.name)
    return w.run(cmd.rename_pipeline, command, PipelineOut.of)


@router.post(
    "/{pipeline_id}/stages", response_model=PipelineOut, responses=WRITE_ERRORS
)
def add_stage(pipeline_id: UUID, body: StageAddIn, w: AdminWriteDep) -> JSONResponse:
    command = cmd.AddStage(pipeline_id=pipeline_id, **body.model_dump())
    return w.run(cmd.add_stage, command, PipelineOut.of)


@router.patch(
    "/{pipeline_id}/stages/{key}", response_model=PipelineOut, responses=WRITE_ERRORS
)
def change_stage(
    pipeline_id: UUID, key: StageKeyPath, body: StagePatch, w: AdminWriteDep
) -> JSONResponse:
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeStage(pipeline_id=pipeline_id, key=key, **fields)
    return w.run(cmd.change_stage, command, PipelineOut.of)


@router.delete(
    "/{pipeline_id}/stages/{key}", response_model=PipelineOut, responses=WRITE_ERRORS
)
def remove_stage(
    pipeline_id: UUID, key: StageKeyPath, w: AdminWriteDep
) -> JSONResponse:
    """Open opportunities in the stage keep its key."""
    command = cmd.RemoveStage(pipeline_id=pipeline_id, key=key)
    return w.run(cmd.remove_stage, command, PipelineOut.of)


@router.post(
    "/{pipeline_id}/stages/order", response_model=PipelineOut, responses=WRITE_ERRORS
)
def reorder_stages(
    pipeline_id: UUID, body: StageOrderIn, w: AdminWriteDep
) -> JSONResponse:
    command = cmd.ReorderStages(pipeline_id=pipeline_id, keys=tuple(body.keys))
    return w.run(cmd.reorder_stages, command, PipelineOut.of)
