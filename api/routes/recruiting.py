"""``/hiring-plans``, ``GET /candidates`` and ``/recruiting/funnel``:
managers and admins plan hiring and list candidates; the funnel per source
is read by them and by analysts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.auth import allowed
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.lists import Text
from api.schemas.recruiting import (
    CandidateItem,
    CandidatePage,
    FunnelOut,
    PlanIn,
    PlanOut,
    PositionIn,
    SourceFunnelOut,
    SpendIn,
)
from api.writes import RECRUITERS, WRITE_ERRORS, RecruiterWriteDep, read_response
from commands import hiring as cmd
from commands.base import Caller, Context, load
from commands.hiring import recruiting_pipeline
from domain.hiring import HiringPlan
from projections.recruiting import Recruiting
from projections.recruiting_query import candidates, funnel

router = APIRouter(tags=["recruiting"])
Out = PlanOut
ONE = "/hiring-plans/{plan_id}"
Recruiter = Annotated[Caller, allowed(RECRUITERS)]
Status = Annotated[
    str | None, Query(pattern="^(applied|offered|hired|declined|rejected)$")
]
FunnelReader = Annotated[Caller, allowed(RECRUITERS | {"analyst"})]


@router.post(
    "/hiring-plans", status_code=201, response_model=Out, responses=WRITE_ERRORS
)
def draw_up_plan(body: PlanIn, w: RecruiterWriteDep) -> JSONResponse:
    """Positions per team and territory, each with its job description and
    the qualifications candidates are scored against. The first plan also
    creates the recruiting pipeline (``/pipelines``)."""
    command = cmd.DrawUpPlan(**body.model_dump())
    return w.run(cmd.draw_up_plan, command, Out.of)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_plan(plan_id: UUID, _: Recruiter, container: ContainerDep) -> JSONResponse:
    plan = load(container.app, HiringPlan, plan_id, Context.anonymous())
    return read_response(Out.of(plan), plan.version)


@router.post(ONE + "/positions", response_model=Out, responses=WRITE_ERRORS)
def add_position(plan_id: UUID, body: PositionIn, w: RecruiterWriteDep) -> JSONResponse:
    command = cmd.AddPosition(plan_id=plan_id, **body.model_dump())
    return w.run(cmd.add_position, command, Out.of)


@router.post(ONE + "/spend", response_model=Out, responses=WRITE_ERRORS)
def record_spend(plan_id: UUID, body: SpendIn, w: RecruiterWriteDep) -> JSONResponse:
    """Money spent on a source as a whole (job board, fair); it counts in
    the source's cost in the funnel."""
    command = cmd.RecordSpend(plan_id=plan_id, **body.model_dump())
    return w.run(cmd.record_spend, command, Out.of)


@router.post(ONE + "/close", response_model=Out, responses=WRITE_ERRORS)
def close_plan(plan_id: UUID, w: RecruiterWriteDep) -> JSONResponse:
    """A closed plan takes no more positions, spend or candidates."""
    return w.run(cmd.close_plan, cmd.ClosePlan(plan_id=plan_id), Out.of)


@router.get("/recruiting/funnel", response_model=FunnelOut, responses={503: {}})
def get_funnel(
    _: FunnelReader,
    container: ContainerDep,
    plan_id: UUID | None = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> FunnelOut:
    """Per source (and currency): candidates, how many reached each stage,
    offers, hires, cost and cost per hire, over one plan or all."""
    wait_for_position(container, Recruiting.name, min_position, 5.0)
    store = container.projections.store
    position = store.position(Recruiting.name)
    order = list(recruiting_pipeline(container.app)[0].keys)
    with store.reading() as c:
        rows = funnel(c, store.names(Recruiting), order, plan_id)
    sources = [
        SourceFunnelOut(**{k: getattr(r, k) for k in SourceFunnelOut.model_fields})
        for r in rows
    ]
    return FunnelOut(sources=sources, position=position)


@router.get("/candidates", response_model=CandidatePage, responses={503: {}})
def list_candidates(
    _: Recruiter,
    container: ContainerDep,
    plan_id: UUID | None = None,
    position_key: Text = None,
    source: Text = None,
    stage: Text = None,
    status: Status = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> CandidatePage:
    """Candidates in the order they applied (no names: see ``GET /{id}``)."""
    wait_for_position(container, Recruiting.name, min_position, 5.0)
    store = container.projections.store
    position = store.position(Recruiting.name)
    filters = {"plan_id": plan_id, "position_key": position_key, "source": source}
    with store.reading() as c:
        page = candidates(
            c,
            store.names(Recruiting),
            after=cursor,
            limit=limit,
            stage=stage,
            status=status,
            **filters,
        )
    after = None if page.after is None else str(page.after)
    items = [CandidateItem.of(row) for row in page.rows]
    return CandidatePage(items=items, next_cursor=after, position=position)
