"""``/lead-lists``: import a CSV of purchased leads or of customers of a
related product; managers, admins and services import, every role reads."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.territories import territory_write
from api.schemas.lead_lists import (
    ImportOut,
    LeadListIn,
    LeadListItem,
    LeadListOut,
    LeadListPage,
)
from api.schemas.lists import Text
from api.writes import WRITE_ERRORS, Write, read_response, respond
from commands import lead_import as imp
from commands.base import Context, load
from commands.lead_csv import check_header, default_mapping, read_csv
from domain.lead_list import LeadList
from projections.lead_sources import LeadSources
from projections.lead_sources_query import lists

router = APIRouter(prefix="/lead-lists", tags=["lead lists"])
ImporterDep = Annotated[Write, Depends(territory_write)]


@router.post("", status_code=201, response_model=ImportOut, responses=WRITE_ERRORS)
def import_lead_list(body: LeadListIn, w: ImporterDep) -> JSONResponse:
    """Register the list (201) and import its rows, 200 per transaction.
    Bad rows are reported with their errors and skipped; good ones land.
    Sending it again (same name and terms) resumes: rows that landed are
    skipped (``already_imported``), so a repeat records nothing new (200).
    Duplicates of existing contacts and leads are flagged, not refused."""
    header, rows = read_csv(body.csv)
    given = body.mapping
    mapping = (
        {c: str(f) for c, f in given.items()} if given else default_mapping(header)
    )
    check_header(header, mapping)
    command = imp.RegisterLeadList.model_validate(
        {"name": body.name, "source": body.source, "mapping": mapping}
    )
    ctx = Context(w.caller, expected_version=w.expected_version)
    report = imp.import_rows(w.app, ctx, command, rows, body.owner_id)
    found = load(w.app, LeadList, report.list_id, Context.anonymous())
    status = 201 if report.created else 200
    return respond(
        ImportOut.of(report, found.version), found.version, report.position, status
    )


@router.get("", response_model=LeadListPage, responses={503: {}})
def list_lead_lists(
    _: Reader,
    container: ContainerDep,
    search: Text = None,
    source: Annotated[
        str | None, Query(pattern="^(purchased_list|related_product_customer)$")
    ] = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> LeadListPage:
    """Lead lists in the order registered; ``search``: words of the name."""
    wait_for_position(container, LeadSources.name, min_position, 5.0)
    store = container.projections.store
    position = store.position(LeadSources.name)
    with store.reading() as c:
        rows, after = lists(
            c, store.names(LeadSources), after=cursor, limit=limit, search=search,
            source=source,
        )  # fmt: skip
    items = [LeadListItem(**row) for row in rows]
    more = None if after is None else str(after)
    return LeadListPage(items=items, next_cursor=more, position=position)


@router.get("/{list_id}", response_model=LeadListOut, responses={404: {}})
def get_lead_list(list_id: UUID, _: Reader, container: ContainerDep) -> JSONResponse:
    """The list: its terms, rows read, leads imported, cost so far, and the
    rows rejected (until a later run imports them)."""
    found = load(container.app, LeadList, list_id, Context.anonymous())
    return read_response(LeadListOut.of(found), found.version)
