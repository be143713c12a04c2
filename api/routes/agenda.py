"""``GET /reps/{id}/agenda``: what the rep should do next, and why.

Answered from the agenda view, which stores facts only; the day comes from
the query (default: today where ``tz`` says, UTC unless given), so the same
view answers for any day. ``min_position`` (from a write's ``position``)
waits until the view has applied it: read-your-writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo, available_timezones

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.agenda import AgendaOut, ItemOut
from commands.base import NotFound, exists
from domain.rep import Rep
from projections.agenda import Agenda
from projections.agenda_query import Day, agenda

router = APIRouter(tags=["agenda"])
VIEW = Agenda.name
WAIT_SECONDS = 5.0
FIRST, LAST = dt.date(1900, 1, 1), dt.date(9999, 12, 1)


@cache
def zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> dt.tzinfo:
    """``UTC`` or an IANA time zone name (``Europe/Paris``)."""
    if name == "UTC":
        return dt.UTC
    if name not in zones():
        raise ValueError(f"no time zone {name!r}; use an IANA name")
    return ZoneInfo(name)


def plausible(day: dt.date | None) -> dt.date | None:
    if day is not None and not FIRST <= day <= LAST:
        raise ValueError(f"a day from {FIRST} to {LAST}")
    return day


def known_zone(name: str) -> str:
    zone(name)
    return name


AgendaDate = Annotated[
    dt.date | None,
    Query(description="the day (default: today in `tz`)"),
    AfterValidator(plausible),
]
Zone = Annotated[
    str,
    Query(max_length=64, description="IANA time zone of the rep's day"),
    AfterValidator(known_zone),
]
Limit = Annotated[int, Query(ge=1, le=500, description="items per reason")]
MinPosition = Annotated[int | None, Query(ge=0, description="wait for this")]


@dataclass
class AgendaQuery:
    date: AgendaDate = None
    tz: Zone = "UTC"
    limit: Limit = 100
    min_position: MinPosition = None

    def day(self) -> Day:
        where = zone(self.tz)
        return Day(self.date or dt.datetime.now(where).date(), where)


@router.get(
    "/reps/{rep_id}/agenda", response_model=AgendaOut, responses={404: {}, 503: {}}
)
def rep_agenda(
    rep_id: UUID,
    _: Reader,
    container: ContainerDep,
    query: Annotated[AgendaQuery, Depends()],
) -> AgendaOut:
    """The rep's planned activities overdue and due on the day; customers
    whose last contact was the rep's, with no follow-up and nothing planned
    (completed in the last 30 days); open deals past their close date; open
    deals with no activity with their account in 14 days. Each item says
    why it is there (`reason`) and links its record."""
    if not isinstance(exists(container.app, rep_id), Rep):
        raise NotFound(f"no rep {rep_id}")
    wait_for_position(container, VIEW, query.min_position, WAIT_SECONDS)
    day, store = query.day(), container.projections.store
    with store.reading() as cursor:
        found = agenda(
            cursor,
            store.names(Agenda),
            rep_id=rep_id,
            day=day,
            limit=query.limit + 1,  # one more tells whether there are more
        )
    return AgendaOut.model_validate(
        {
            "rep_id": rep_id,
            "date": day.date,
            "tz": query.tz,
            "items": [
                ItemOut.of(reason, row)
                for reason, rows in found.items()
                for row in rows[: query.limit]
            ],
            "truncated": [r for r, rows in found.items() if len(rows) > query.limit],
            "position": store.position(VIEW),
        }
    )
