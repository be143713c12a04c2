"""``/coaching-sessions``: a manager logs coaching with a rep of their team
(an admin for anyone), optionally for a corrective action; the session is
read by its rep, its manager and admins."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.training import CoachingIn, CoachingOut, CorrectiveActionIn
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import training as cmd
from commands.base import Context, Forbidden, load
from domain.training import CoachingSession

router = APIRouter(prefix="/coaching-sessions", tags=["training"])
Out = CoachingOut
ONE = "/{session_id}"


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def log(body: CoachingIn, w: WriteDep) -> JSONResponse:
    """Logged after it was held. ``corrective_action_id`` is recorded as
    given (the control process keeps corrective actions)."""
    command = cmd.LogCoaching(**body.model_dump())
    return w.run(cmd.log_coaching, command, Out.of)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_session(
    session_id: UUID, caller: Reader, container: ContainerDep
) -> JSONResponse:
    found = load(container.app, CoachingSession, session_id, Context.anonymous())
    if not (caller.has("admin") or caller.rep_id in (found.rep_id, found.manager_id)):
        raise Forbidden(f"{caller.name} may not read this coaching session")
    return read_response(Out.of(found), found.version)


@router.post(ONE + "/corrective-action", response_model=Out, responses=WRITE_ERRORS)
def link(session_id: UUID, body: CorrectiveActionIn, w: WriteDep) -> JSONResponse:
    """Link (or with ``null`` unlink) the corrective action it serves."""
    command = cmd.LinkCorrectiveAction(session_id=session_id, **body.model_dump())
    return w.run(cmd.link_corrective_action, command, Out.of)
