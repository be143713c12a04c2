"""``/opportunities``: deals, their stages, outcomes and line items."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.opportunities import (
    LineIn,
    LinePatch,
    LoseIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityOwnerIn,
    OpportunityPatch,
    ReopenIn,
    StageIn,
)
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import opportunities as cmd
from commands.base import Context, load
from domain.opportunity import Opportunity

router = APIRouter(prefix="/opportunities", tags=["opportunities"])
Out = OpportunityOut
ONE = "/{opportunity_id}"
LINE = ONE + "/lines/{line_id}"


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def open_opportunity(body: OpportunityIn, w: WriteDep) -> JSONResponse:
    """Open a deal in a stage of its pipeline (default: the default pipeline's
    first stage). Sending the same id and body again creates nothing."""
    command = cmd.OpenOpportunity(**body.model_dump())
    return w.run(cmd.open_opportunity, command, Out.of)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_opportunity(
    opportunity_id: UUID, _: Reader, container: ContainerDep
) -> JSONResponse:
    """The deal as it stands now, from the event store."""
    found = load(container.app, Opportunity, opportunity_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.patch(ONE, response_model=Out, responses=WRITE_ERRORS)
def change_opportunity(
    opportunity_id: UUID, body: OpportunityPatch, w: WriteDep
) -> JSONResponse:
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeOpportunityDetails(opportunity_id=opportunity_id, **fields)
    return w.run(cmd.change_opportunity_details, command, Out.of)


@router.post(ONE + "/owner", response_model=Out, responses=WRITE_ERRORS)
def assign_owner(
    opportunity_id: UUID, body: OpportunityOwnerIn, w: WriteDep
) -> JSONResponse:
    command = cmd.AssignOpportunityOwner(
        opportunity_id=opportunity_id, owner_id=body.owner_id
    )
    return w.run(cmd.assign_opportunity_owner, command, Out.of)


@router.post(ONE + "/stage", response_model=Out, responses=WRITE_ERRORS)
def advance_stage(opportunity_id: UUID, body: StageIn, w: WriteDep) -> JSONResponse:
    """Move an open deal to a stage of its pipeline (forwards or back)."""
    command = cmd.AdvanceStage.model_construct(  # body.stage is a valid StageKey
        opportunity_id=opportunity_id, stage=body.stage
    )
    return w.run(cmd.advance_stage, command, Out.of)


@router.post(ONE + "/win", response_model=Out, responses=WRITE_ERRORS)
def win(opportunity_id: UUID, w: WriteDep) -> JSONResponse:
    command = cmd.WinOpportunity(opportunity_id=opportunity_id)
    return w.run(cmd.win_opportunity, command, Out.of)


@router.post(ONE + "/lose", response_model=Out, responses=WRITE_ERRORS)
def lose(opportunity_id: UUID, body: LoseIn, w: WriteDep) -> JSONResponse:
    command = cmd.LoseOpportunity(opportunity_id=opportunity_id, reason=body.reason)
    return w.run(cmd.lose_opportunity, command, Out.of)


@router.post(ONE + "/reopen", response_model=Out, responses=WRITE_ERRORS)
def reopen(
    opportunity_id: UUID, w: WriteDep, body: ReopenIn | None = None
) -> JSONResponse:
    """Reopen a won or lost deal, into ``stage`` or the stage it closed in."""
    stage = body.stage if body else None
    command = cmd.ReopenOpportunity(opportunity_id=opportunity_id, stage=stage)
    return w.run(cmd.reopen_opportunity, command, Out.of)


@router.post(ONE + "/lines", response_model=Out, responses=WRITE_ERRORS)
def add_line(opportunity_id: UUID, body: LineIn, w: WriteDep) -> JSONResponse:
    """Add a line item; the same ``line_id`` and values again add nothing."""
    command = cmd.AddLineItem(opportunity_id=opportunity_id, **body.model_dump())
    return w.run(cmd.add_line_item, command, Out.of)


@router.patch(LINE, response_model=Out, responses=WRITE_ERRORS)
def change_line(
    opportunity_id: UUID, line_id: UUID, body: LinePatch, w: WriteDep
) -> JSONResponse:
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeLineItem(
        opportunity_id=opportunity_id, line_id=line_id, **fields
    )
    return w.run(cmd.change_line_item, command, Out.of)


@router.delete(LINE, response_model=Out, responses=WRITE_ERRORS)
def remove_line(opportunity_id: UUID, line_id: UUID, w: WriteDep) -> JSONResponse:
    command = cmd.RemoveLineItem(opportunity_id=opportunity_id, line_id=line_id)
    return w.run(cmd.remove_line_item, command, Out.of)
