"""Lists: ``GET /contacts``, ``/accounts``, ``/leads``, ``/opportunities``
and ``/activities``, answered from the lists view.

Filters, a sort key (``-`` for descending), a text search (``q``) and cursor
paging: ``next_cursor`` continues the same sort after the last row (ties are
ordered by id, so no row is skipped or repeated). ``min_position`` (from a
write's ``position``) waits until the view has applied it: read-your-writes.
Filtering by a contact or an account that others were merged into also
finds the rows that name those duplicates (their activities, contacts and
deals), as the survivor's history does.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import absorbed, wait_for_position
from api.schemas.list_items import (
    AccountItem,
    ActivityItem,
    ContactItem,
    LeadItem,
    ListItem,
    ListPage,
    OpportunityItem,
)
from api.schemas.lists import (
    AccountQuery,
    ActivityQuery,
    ContactQuery,
    LeadQuery,
    ListQuery,
    OpportunityQuery,
    decode_cursor,
    encode_cursor,
)
from projections.lists import Lists
from projections.lists_query import select_page
from projections.lists_rows import KEYS

router = APIRouter(tags=["lists"])
VIEW = Lists.name
WAIT_SECONDS = 5.0
MERGEABLE = ("account_id", "contact_id")  # filters naming a contact or account
T = TypeVar("T", bound=ListItem)


def _after(query: ListQuery) -> tuple[object, object] | None:
    if query.cursor is None:
        return None
    try:
        return decode_cursor(query.cursor, query.sort)
    except ValueError as e:
        error = {"loc": ("query", "cursor"), "msg": str(e), "type": "value_error"}
        raise RequestValidationError([error]) from None


def listing(
    container: ContainerDep, table: str, query: ListQuery, item: type[T]
) -> ListPage[T]:
    after = _after(query)
    wait_for_position(container, VIEW, query.min_position, WAIT_SECONDS)
    store = container.projections.store
    position = store.position(VIEW)  # the rows read below are at least this new
    filters = query.filters()
    for merged in MERGEABLE:  # a survivor's rows are also its duplicates'
        if filters.get(merged) is not None:
            filters[merged] = absorbed(container, filters[merged])
    with store.reading() as cursor:
        page = select_page(
            cursor,
            store.names(Lists),
            table,
            sort=query.sort,
            after=after,
            limit=query.limit,
            search=query.q,
            **filters,
        )
    return ListPage[T](
        items=[item.of(row, KEYS[table]) for row in page.rows],
        next_cursor=encode_cursor(query.sort, page.after) if page.after else None,
        position=position,
    )


@router.get("/accounts", response_model=ListPage[AccountItem])
def list_accounts(
    _: Reader, container: ContainerDep, query: Annotated[AccountQuery, Depends()]
) -> ListPage[AccountItem]:
    """Accounts by owner, territory, status, industry and time; ``q``
    searches names and web domains."""
    return listing(container, "accounts", query, AccountItem)


@router.get("/contacts", response_model=ListPage[ContactItem])
def list_contacts(
    _: Reader, container: ContainerDep, query: Annotated[ContactQuery, Depends()]
) -> ListPage[ContactItem]:
    """Contacts by owner, account, the account's territory, department,
    consent and time; ``q`` searches names, emails, phones and company."""
    return listing(container, "contacts", query, ContactItem)


@router.get("/leads", response_model=ListPage[LeadItem])
def list_leads(
    _: Reader, container: ContainerDep, query: Annotated[LeadQuery, Depends()]
) -> ListPage[LeadItem]:
    """Leads by owner, status, source and time, newest first unless sorted
    otherwise; ``q`` searches names, email, phone, company and web domain."""
    return listing(container, "leads", query, LeadItem)


@router.get("/opportunities", response_model=ListPage[OpportunityItem])
def list_opportunities(
    _: Reader, container: ContainerDep, query: Annotated[OpportunityQuery, Depends()]
) -> ListPage[OpportunityItem]:
    """Deals by owner, account, territory, status, stage, pipeline and close
    date (``closes_since``/``closes_until``); ``q`` searches name and company."""
    return listing(container, "opportunities", query, OpportunityItem)


@router.get("/activities", response_model=ListPage[ActivityItem])
def list_activities(
    _: Reader, container: ContainerDep, query: Annotated[ActivityQuery, Depends()]
) -> ListPage[ActivityItem]:
    """Activities by owner, customer, territory, status, kind, purpose,
    department and when planned or done; unscheduled ones sort last. ``q``
    searches the contact's name, the company and the purpose."""
    return listing(container, "activities", query, ActivityItem)
