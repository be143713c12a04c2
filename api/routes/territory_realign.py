"""``POST /territories/realign``: preview, then apply, the moves the
current rules and manual assignments make."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.auth import authenticate, caller_of
from api.deps import container_of
from api.reads import wait_for_position
from api.schemas.territories import MoveOut, RealignIn, RealignOut
from api.writes import MAX_KEY, _header
from commands import territory_assignment as assignment
from commands.base import Context, execute
from commands.territories import EDITORS, require_editor
from infra.bootstrap import Container
from infra.settings import Principal
from projections.territories import Territories
from projections.territories_query import account_ids

router = APIRouter(tags=["territories"])
NAME = Territories.name
HEADERS = [
    _header(
        "idempotency-key",
        "accepted; applying is idempotent by itself: a repeat moves nothing",
        MAX_KEY,
    ),
    _header("if-match", "the plan to apply: the ETag of its preview"),
]


@router.post(
    "/territories/realign",
    response_model=RealignOut,
    responses={403: {}, 412: {"description": "the plan changed since its preview"}},
    openapi_extra={"parameters": HEADERS},
)
async def realign(body: RealignIn, request: Request) -> JSONResponse:
    """Preview (``apply: false``) or apply the moves the current rules and
    manual assignments make. Each move records ``TerritoryChanged`` and
    ``TerritoryAssigned`` on the account. Applying twice moves nothing the
    second time."""
    principal = authenticate(request, frozenset(EDITORS))
    container = container_of(request)
    expected = request.headers.get("if-match")
    return await run_in_threadpool(_realign, container, principal, body, expected)


def _realign(
    container: Container, principal: Principal, body: RealignIn, expected: str | None
) -> JSONResponse:
    app = container.app
    ctx = Context(caller_of(app, principal))
    require_editor(ctx.caller)
    head = app.recorder.max_notification_id() or 0
    wait_for_position(container, NAME, head, 30.0)
    store = container.projections.store
    with store.reading() as c:
        ids = account_ids(c, store.names(Territories))
    moves = assignment.plan(app, ids)
    digest = assignment.plan_digest(moves)
    if expected is not None and expected.strip().strip('"') != digest:
        raise HTTPException(412, "the plan changed since its preview: preview again")
    position = head
    if body.apply and moves:
        outcome = execute(
            assignment.apply_moves, app, assignment.ApplyMoves(moves=moves), ctx
        )
        position = outcome.position
    out = RealignOut(
        plan=digest,
        applied=body.apply,
        moves=[MoveOut.of(m) for m in moves],
        position=position,
    )
    return JSONResponse(out.model_dump(mode="json"), headers={"ETag": f'"{digest}"'})
