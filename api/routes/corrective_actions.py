"""``/corrective-actions``: what managers do about variances. Managers and
admins open, change and close them; managers, analysts, auditors and admins
read them (and see them beside the variance in ``GET /reports/control``)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ContainerDep
from api.routes.standards import ReportReader
from api.schemas.corrective_actions import ActionIn, ActionOut, ActionPatch, CloseIn
from api.writes import WRITE_ERRORS, ManagerWriteDep, read_response
from commands import corrective_actions as cmd
from commands.base import Context, load
from domain.corrective_action import CorrectiveAction

router = APIRouter(prefix="/corrective-actions", tags=["corrective actions"])


@router.post("", status_code=201, response_model=ActionOut, responses=WRITE_ERRORS)
def open_action(body: ActionIn, w: ManagerWriteDep) -> JSONResponse:
    """Open an action against a variance: member, metric, period; an owner
    (an active rep), a kind (`coaching`, `training`, `territory_change`,
    `call_plan_change`, `other`) and a due date."""
    command = cmd.OpenCorrectiveAction(**body.model_dump())
    return w.run(cmd.open_corrective_action, command, ActionOut.of)


@router.get("/{action_id}", response_model=ActionOut, responses={404: {}})
def get_action(
    action_id: UUID, _: ReportReader, container: ContainerDep
) -> JSONResponse:
    """The action as it stands now, from the event store."""
    action = load(container.app, CorrectiveAction, action_id, Context.anonymous())
    return read_response(ActionOut.of(action), action.version)


@router.patch("/{action_id}", response_model=ActionOut, responses=WRITE_ERRORS)
def change_action(
    action_id: UUID, body: ActionPatch, w: ManagerWriteDep
) -> JSONResponse:
    """Move the due date or hand the action to another rep (open ones only:
    rule ``action_closed``)."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeCorrectiveAction(action_id=action_id, **fields)
    return w.run(cmd.change_corrective_action, command, ActionOut.of)


@router.post("/{action_id}/close", response_model=ActionOut, responses=WRITE_ERRORS)
def close_action(action_id: UUID, body: CloseIn, w: ManagerWriteDep) -> JSONResponse:
    """Close the action with its outcome."""
    command = cmd.CloseCorrectiveAction(action_id=action_id, **body.model_dump())
    return w.run(cmd.close_corrective_action, command, ActionOut.of)
