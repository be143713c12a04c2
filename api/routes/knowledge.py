"""``/knowledge``: product knowledge (features, objection handling,
competitor comparisons, notes), written by any writer and changed by its
owner (as other owned records); ``GET /knowledge`` lists and searches the
catalogue view by product, kind, status and text.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.knowledge import EntryIn, EntryItem, EntryOut, EntryPage, EntryPatch
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import knowledge as cmd
from commands.base import Context, load
from commands.knowledge import Kind
from commands.normalise import NO_NUL
from domain.knowledge import KnowledgeEntry
from projections.catalog import Catalog
from projections.catalog_query import knowledge

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
Out = EntryOut
ONE = "/{entry_id}"
VIEW = Catalog.name
Status = Annotated[str | None, Query(pattern="^(current|archived)$")]
Search = Annotated[
    str | None, Query(max_length=200, pattern=NO_NUL, description="words to find")
]


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def write_entry(body: EntryIn, w: WriteDep) -> JSONResponse:
    """Write an entry about a product; it is the writer's. The same id and
    body again creates nothing."""
    command = cmd.WriteEntry(**body.model_dump())
    return w.run(cmd.write_entry, command, Out.of)


@router.get("", response_model=EntryPage, responses={503: {}})
def list_entries(
    _: Reader,
    container: ContainerDep,
    product_id: UUID | None = None,
    kind: Kind | None = None,
    status: Status = "current",
    owner_id: UUID | None = None,
    q: Search = None,
    cursor: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> EntryPage:
    """Entries in the order written (current ones unless ``status`` says);
    ``q`` searches title, body, competitor, SKU and product name."""
    wait_for_position(container, VIEW, min_position, 5.0)
    store = container.projections.store
    position = store.position(VIEW)
    filters = {"product_id": product_id, "kind": kind, "status": status}
    with store.reading() as c:
        page = knowledge(
            c,
            store.names(Catalog),
            after=cursor,
            limit=limit,
            search=q,
            owner_id=owner_id,
            **filters,
        )
    after = None if page.after is None else str(page.after)
    items = [EntryItem.of(row) for row in page.rows]
    return EntryPage(items=items, next_cursor=after, position=position)


@router.get(ONE, response_model=Out, responses={404: {}})
def get_entry(entry_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    found = load(container.app, KnowledgeEntry, entry_id, Context.anonymous())
    return read_response(Out.of(found), found.version)


@router.patch(ONE, response_model=Out, responses=WRITE_ERRORS)
def revise_entry(entry_id: UUID, body: EntryPatch, w: WriteDep) -> JSONResponse:
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ReviseEntry(entry_id=entry_id, **fields)
    return w.run(cmd.revise_entry, command, Out.of)


@router.post(ONE + "/archive", response_model=Out, responses=WRITE_ERRORS)
def archive_entry(entry_id: UUID, w: WriteDep) -> JSONResponse:
    """An archived entry stays in its history but is no longer listed."""
    command = cmd.ArchiveEntry(entry_id=entry_id)
    return w.run(cmd.archive_entry, command, Out.of)
