"""``/standards``: performance standards, set and revised by managers and
admins; read by managers, analysts, auditors and admins."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import allowed
from api.deps import ContainerDep
from api.schemas.standards import RevisionIn, StandardIn, StandardOut
from api.writes import WRITE_ERRORS, ManagerWriteDep, read_response
from commands import standards as cmd
from commands.base import Caller, Context, load
from domain.standard import Standard

router = APIRouter(prefix="/standards", tags=["standards"])
REPORT_READERS = frozenset({"manager", "analyst", "auditor", "admin"})
ReportReader = Annotated[Caller, allowed(REPORT_READERS)]


@router.post("", status_code=201, response_model=StandardOut, responses=WRITE_ERRORS)
def set_standard(body: StandardIn, w: ManagerWriteDep) -> JSONResponse:
    """Set a standard: metric, per-rep target, scope, period kind, and the
    date it takes effect. A rep or team scope names an existing rep or team
    by id (rules ``scope_rep_unknown``, ``scope_team_unknown``)."""
    command = cmd.SetStandard(**body.model_dump())
    return w.run(cmd.set_standard, command, StandardOut.of)


@router.get("/{standard_id}", response_model=StandardOut, responses={404: {}})
def get_standard(
    standard_id: UUID, _: ReportReader, container: ContainerDep
) -> JSONResponse:
    """The standard with every revision, from the event store."""
    standard = load(container.app, Standard, standard_id, Context.anonymous())
    return read_response(StandardOut.of(standard), standard.version)


@router.post(
    "/{standard_id}/revisions", response_model=StandardOut, responses=WRITE_ERRORS
)
def revise_standard(
    standard_id: UUID, body: RevisionIn, w: ManagerWriteDep
) -> JSONResponse:
    """A new target from a date; earlier periods keep the target in force
    for them (rule ``revision_order``: not before the latest revision)."""
    command = cmd.ReviseStandard(standard_id=standard_id, **body.model_dump())
    return w.run(cmd.revise_standard, command, StandardOut.of)
