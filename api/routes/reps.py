"""``/reps``: the sales people. Everyone with a token reads; only admins
write."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.reps import DeactivateIn, RepIn, RepOut, RepPatch
from api.writes import WRITE_ERRORS, AdminWriteDep, read_response
from commands import reps as cmd
from commands.base import Context, load
from domain.rep import Rep

router = APIRouter(prefix="/reps", tags=["reps"])


@router.post("", status_code=201, response_model=RepOut, responses=WRITE_ERRORS)
def register_rep(body: RepIn, w: AdminWriteDep) -> JSONResponse:
    """Register a rep. Choose the id to match the ``rep_id`` of their token."""
    command = cmd.RegisterRep(**body.model_dump())
    return w.run(cmd.register_rep, command, RepOut.of)


@router.get("/{rep_id}", response_model=RepOut, responses={404: {}})
def get_rep(rep_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The rep as they stand now, from the event store."""
    rep = load(container.app, Rep, rep_id, Context.anonymous())
    return read_response(RepOut.of(rep), rep.version)


@router.patch("/{rep_id}", response_model=RepOut, responses=WRITE_ERRORS)
def change_rep(rep_id: UUID, body: RepPatch, w: AdminWriteDep) -> JSONResponse:
    """Change name, email, manager or territory; each is its own event."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeRepDetails(rep_id=rep_id, **fields)
    return w.run(cmd.change_rep_details, command, RepOut.of)


@router.post("/{rep_id}/deactivate", response_model=RepOut, responses=WRITE_ERRORS)
def deactivate_rep(rep_id: UUID, body: DeactivateIn, w: AdminWriteDep) -> JSONResponse:
    """An inactive rep can no longer be made owner, manager or member."""
    command = cmd.DeactivateRep(rep_id=rep_id, reason=body.reason)
    return w.run(cmd.deactivate_rep, command, RepOut.of)


@router.post("/{rep_id}/reactivate", response_model=RepOut, responses=WRITE_ERRORS)
def reactivate_rep(rep_id: UUID, w: AdminWriteDep) -> JSONResponse:
    command = cmd.ReactivateRep(rep_id=rep_id)
    return w.run(cmd.reactivate_rep, command, RepOut.of)
