"""``/activities``: calls, meetings, visits, emails and internal tasks,
planned or logged, and what came of them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.activities import (
    ActivityIn,
    ActivityLogIn,
    ActivityOut,
    ActivityPatch,
    CancelIn,
    CompleteIn,
    RescheduleIn,
)
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import activities as cmd
from commands.base import Context, load
from domain.activity import Activity

router = APIRouter(prefix="/activities", tags=["activities"])
ERRORS = WRITE_ERRORS | {
    409: {"description": "id reused, a concurrent change, or the outreach guard"}
}
ONE = "/{activity_id}"


def _sent(body: BaseModel) -> dict[str, Any]:
    """The fields the client sent, as validated: ``model_dump(exclude_unset=
    True)`` without re-serialising (only for bodies without nested models)."""
    return {name: getattr(body, name) for name in body.model_fields_set}


@router.post("", status_code=201, response_model=ActivityOut, responses=ERRORS)
def plan_activity(body: ActivityIn, w: WriteDep) -> JSONResponse:
    """Plan an activity. Sending the same id and body again creates nothing.
    Refused (422, with the rule) for a do-not-contact contact, a contact or
    account that does not exist, or an owner who is not an active rep; 409
    (``outreach_collision``, ``outreach_frequency_cap``, naming each colliding
    activity, rep, department and date) when the outreach guard refuses it,
    unless ``override_reason`` is sent."""
    # The body was validated with the command's own types: not validated again.
    command = cmd.PlanActivity.model_construct(**_sent(body))
    return w.run(cmd.plan_activity, command, ActivityOut.of)


@router.post("/log", status_code=201, response_model=ActivityOut, responses=ERRORS)
def log_activity(body: ActivityLogIn, w: WriteDep) -> JSONResponse:
    """Log an activity that already happened: one ``Logged`` event creates it
    completed (with its follow-up, if any, in the same transaction). The
    outreach guard decides as for a plan; a do-not-contact contact needs an
    ``override_reason``."""
    command = cmd.LogActivity(**body.model_dump(exclude_unset=True))
    return w.run(cmd.log_activity, command, ActivityOut.of)


@router.get(ONE, response_model=ActivityOut, responses={404: {}})
def get_activity(activity_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The activity as it stands now, from the event store."""
    activity = load(container.app, Activity, activity_id, Context.anonymous())
    return read_response(ActivityOut.of(activity), activity.version)


@router.patch(ONE, response_model=ActivityOut, responses=ERRORS)
def change_activity(
    activity_id: UUID, body: ActivityPatch, w: WriteDep
) -> JSONResponse:
    """Change purpose, notes or department while planned (one event with the
    old and new value of each field that changed)."""
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeActivityDetails(activity_id=activity_id, **fields)
    return w.run(cmd.change_activity_details, command, ActivityOut.of)


@router.post(ONE + "/complete", response_model=ActivityOut, responses=ERRORS)
def complete_activity(activity_id: UUID, body: CompleteIn, w: WriteDep) -> JSONResponse:
    """Record the outcome; a ``follow_up`` plans the next activity in the same
    transaction, and the two name each other."""
    fields = _sent(body)
    if body.follow_up is None:  # validated with the command's own types
        command = cmd.CompleteActivity.model_construct(
            activity_id=activity_id, **fields
        )
    else:  # the nested follow-up becomes the command's model
        command = cmd.CompleteActivity(
            activity_id=activity_id, **body.model_dump(exclude_unset=True)
        )
    return w.run(cmd.complete_activity, command, ActivityOut.of)


@router.post(ONE + "/cancel", response_model=ActivityOut, responses=ERRORS)
def cancel_activity(activity_id: UUID, body: CancelIn, w: WriteDep) -> JSONResponse:
    command = cmd.CancelActivity(activity_id=activity_id, reason=body.reason)
    return w.run(cmd.cancel_activity, command, ActivityOut.of)


@router.post(ONE + "/reschedule", response_model=ActivityOut, responses=ERRORS)
def reschedule_activity(
    activity_id: UUID, body: RescheduleIn, w: WriteDep
) -> JSONResponse:
    """Move a planned activity; the event carries the old and the new time."""
    command = cmd.RescheduleActivity(activity_id=activity_id, **_sent(body))
    return w.run(cmd.reschedule_activity, command, ActivityOut.of)
