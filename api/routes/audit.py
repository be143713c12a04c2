"""Auditors' reads: ``/audit/...`` (roles ``auditor`` or ``admin``).

One record's history and its state as of a version or a moment, the global
log with filters, and the ledger: verify and its checkpoints. Every answer is
read from the event store itself, never from a view.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from api.audit_stream import verify_lines
from api.auth import Auditor
from api.deps import ContainerDep
from api.schemas.audit import (
    CheckpointOut,
    EventOut,
    LogOut,
    StateOut,
    StreamOut,
    VerdictOut,
)
from commands.normalise import NO_NUL
from infra import audit_log, ledger

router = APIRouter(prefix="/audit", tags=["audit"])
NDJSON = "application/x-ndjson"
PROGRESS_EXAMPLE = '{"done": 5000, "total": 9000}\n{"verdict": {"intact": true}}\n'

Position = Annotated[int, Query(ge=0, le=2**62)]
Name = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]


def utc(moment: datetime | None) -> datetime | None:
    """A moment without a zone is taken as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@router.get("/streams/{aggregate_id}/events", response_model=StreamOut)
def stream_events(aggregate_id: UUID, _: Auditor, container: ContainerDep) -> StreamOut:
    """Every event of one record (any type), oldest first, with who, when,
    why (correlation and causation ids) and its recorded position."""
    events = audit_log.stream(container.app, aggregate_id)
    return StreamOut(aggregate_id=aggregate_id, items=[EventOut.of(e) for e in events])


@router.get("/streams/{aggregate_id}/state", response_model=StateOut)
def stream_state(
    aggregate_id: UUID,
    _: Auditor,
    container: ContainerDep,
    version: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    as_of: datetime | None = None,
) -> StateOut:
    """The record as it stood at ``version``, or at the moment ``as_of`` (its
    last event at or before then; a moment without a zone is UTC), rebuilt
    from its events. Neither: as it stands now."""
    if version is not None and as_of is not None:
        raise HTTPException(422, "send either version or as_of, not both")
    record = audit_log.state_at(
        container.app, aggregate_id, version=version, as_of=utc(as_of)
    )
    return StateOut.of(record)


@router.get("/log", response_model=LogOut)
def log(
    _: Auditor,
    container: ContainerDep,
    after: Position = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    aggregate_type: Name = None,
    event_type: Name = None,
    actor: Name = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> LogOut:
    """Every event in recorded order, after position ``after``. Filters
    (all must match): aggregate type (``contact``), event type
    (``sfa.contact.renamed.v1``), actor, and ``since`` (inclusive) /
    ``until`` (exclusive) on ``occurred_at``. A page looks at no more than
    10,000 events: continue from ``next_after`` until it reaches ``head``."""
    where = audit_log.LogFilter(
        aggregate_type, event_type, actor, utc(since), utc(until)
    )
    page = audit_log.log_page(container.app, after, limit, where)
    items = [EventOut.of(e) for e in page.items]
    return LogOut(items=items, next_after=page.scanned_to, head=page.head)


@router.get(
    "/verify",
    response_model=VerdictOut,
    responses={200: {"content": {NDJSON: {"example": PROGRESS_EXAMPLE}}}},
)
def verify(
    request: Request,
    _: Auditor,
    container: ContainerDep,
    start: Annotated[int | None, Query(alias="from", ge=1, le=2**62)] = None,
    stop: Annotated[int | None, Query(alias="to", ge=1, le=2**62)] = None,
) -> VerdictOut | StreamingResponse:
    """Recomputes the ledger's hash chain over positions ``from``..``to``
    (default: all) and reports "intact up to P, hash H" or the first position
    that no longer matches, and why. With ``Accept: application/x-ndjson``
    the answer streams progress lines (``done``, ``total``) and ends with
    the verdict."""
    if start is not None and stop is not None and start > stop:
        raise HTTPException(422, "from must not be above to")
    recorder = container.app.recorder
    if NDJSON in request.headers.get("accept", ""):
        lines: Iterator[str] = verify_lines(recorder, start, stop)
        return StreamingResponse(lines, media_type=NDJSON)
    return VerdictOut.of(ledger.verify(recorder, start, stop))  # type: ignore[arg-type]


@router.get("/checkpoints", response_model=list[CheckpointOut])
def checkpoints(
    _: Auditor,
    container: ContainerDep,
    after: Position = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CheckpointOut]:
    """The ledger's checkpoints (position, hash) after ``after``: copy them
    somewhere the database's owners cannot write, to anchor the chain."""
    found = container.app.recorder.select_checkpoints(after, limit)  # type: ignore[attr-defined]
    return [CheckpointOut.of(c) for c in found]
