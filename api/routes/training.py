"""``/training-programmes`` (managers and admins launch and retire them,
and record completions, as may a service) and ``/reps/{id}/development``:
a rep's training and coaching, read by the rep, their managers and admins."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AfterValidator

from api.auth import Reader
from api.deps import ContainerDep
from api.development_control import rep_control
from api.reads import wait_for_position
from api.routes.forecasts import well_formed
from api.schemas.training import (
    CompletionIn,
    DevelopmentOut,
    ProgrammeIn,
    ProgrammeItem,
    ProgrammeOut,
    ProgrammePage,
)
from api.writes import WRITE_ERRORS, RecruiterWriteDep, WriteDep, read_response
from commands import training as cmd
from commands.base import Caller, Context, Forbidden, load
from domain.training import TrainingProgramme
from projections.actions import CorrectiveActions
from projections.control import Control
from projections.development import Development
from projections.development_query import development, programmes

router = APIRouter(tags=["training"])
Out = ProgrammeOut
ONE = "/training-programmes/{programme_id}"
VIEW = Development.name
MinPosition = Annotated[int | None, Query(ge=0)]
ControlPeriod = Annotated[
    str | None,
    Query(max_length=10, description="YYYY-MM, YYYY-Qn, YYYY; default this month"),
    AfterValidator(lambda text: None if text is None else well_formed(text)),
]
Trend = Annotated[int, Query(ge=0, le=12, description="control periods before")]


@router.post(
    "/training-programmes", status_code=201, response_model=Out, responses=WRITE_ERRORS
)
def launch(body: ProgrammeIn, w: RecruiterWriteDep) -> JSONResponse:
    command = cmd.LaunchProgramme(**body.model_dump())
    return w.run(cmd.launch_programme, command, Out.of)


@router.get("/training-programmes", response_model=ProgrammePage, responses={503: {}})
def list_programmes(
    _: Reader,
    container: ContainerDep,
    status: Annotated[str | None, Query(pattern="^(active|retired)$")] = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: MinPosition = None,
) -> ProgrammePage:
    """Programmes in the order launched, with how many reps completed each."""
    for view in (VIEW, Control.name, CorrectiveActions.name):
        wait_for_position(container, view, min_position, 5.0)
    store = container.projections.store
    position = store.position(VIEW)
    with store.reading() as c:
        page = programmes(
            c, store.names(Development), after=cursor, limit=limit, status=status
        )
    after = None if page.after is None else str(page.after)
    items = [ProgrammeItem.of(row) for row in page.rows]
    return ProgrammePage(items=items, next_cursor=after, position=position)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_programme(
    programme_id: UUID, _: Reader, container: ContainerDep
) -> JSONResponse:
    found = load(container.app, TrainingProgramme, programme_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.post(ONE + "/completions", response_model=Out, responses=WRITE_ERRORS)
def complete(programme_id: UUID, body: CompletionIn, w: WriteDep) -> JSONResponse:
    """A rep completed the programme (once per rep)."""
    command = cmd.RecordCompletion(programme_id=programme_id, **body.model_dump())
    return w.run(cmd.record_completion, command, Out.of)


@router.post(ONE + "/retire", response_model=Out, responses=WRITE_ERRORS)
def retire(programme_id: UUID, w: RecruiterWriteDep) -> JSONResponse:
    """A retired programme keeps its completions and takes no more."""
    command = cmd.RetireProgramme(programme_id=programme_id)
    return w.run(cmd.retire_programme, command, Out.of)


def may_read_development(caller: Caller, rep_id: UUID) -> bool:
    """The rep themself, a manager of their team, or an admin."""
    if caller.has("admin") or caller.rep_id == rep_id:
        return True
    return caller.has("manager") and rep_id in caller.team_rep_ids


@router.get(
    "/reps/{rep_id}/development", response_model=DevelopmentOut, responses={503: {}}
)
def get_development(
    rep_id: UUID,
    caller: Reader,
    container: ContainerDep,
    min_position: MinPosition = None,
    period: ControlPeriod = None,
    trend: Trend = 3,
) -> DevelopmentOut:
    """The programmes the rep completed, the coaching they had, and their
    control-report lines (metric, standard, actual, variance, status) for
    `period` (default: this month) and the `trend` periods before."""
    if not may_read_development(caller, rep_id):
        raise Forbidden(f"{caller.name} may not read the development of rep {rep_id}")
    for view in (VIEW, Control.name, CorrectiveActions.name):
        wait_for_position(container, view, min_position, 5.0)
    store = container.projections.store
    position = store.position(VIEW)
    with store.reading() as c:
        found = development(c, store.names(Development), rep_id)
    control = rep_control(container, rep_id, period, trend)
    return DevelopmentOut.model_validate(
        {"rep_id": rep_id, "position": position, "control": control, **found}
    )
