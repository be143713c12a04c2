"""Queries of the lists: ``GET /contacts``, ``/accounts``, ``/leads``,
``/opportunities`` and ``/activities`` (their bodies: ``list_items``).

A cursor is opaque to clients: base64url of ``[sort, value, id]``, the sort
key and id of the last row of a page. It is checked against the sort it was
made for and its value against the type of that sort key, so no cursor a
client can send reaches the database as something it cannot compare.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query

from commands.accounts import Status as AccountStatus
from commands.activity_fields import Kind, Purpose
from commands.normalise import NO_NUL

Limit = Annotated[int, Query(ge=1, le=500)]
POSITION_MAX = 2**63 - 1  # a BIGINT: a larger position is refused, not a 500
MinPosition = Annotated[int | None, Query(ge=0, description="wait for this")]
Text = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
Search = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=NO_NUL,
        description="words that must all occur in names, emails, phones or"
        " company (case-insensitive, anywhere in a word)",
    ),
]
Cursor = Annotated[
    str | None, Query(max_length=1000, description="`next_cursor` of the last page")
]
PAGING = frozenset({"q", "sort", "cursor", "limit", "min_position"})


def _name(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a name")
    return value


def _score(value: Any) -> int:
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError("not a score")
    return value


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _amount(value: Any) -> Decimal:
    found = Decimal(str(value))
    if not found.is_finite() or (found and abs(found.adjusted()) > 40):
        raise ValueError("not an amount")
    return found


SORT_TYPES: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "created_at": _time,
    "updated_at": _time,
    "scheduled_at": _time,
    "completed_at": _time,
    "expected_close_date": _day,
    "amount": _amount,
    "score": _score,
}


def encode_cursor(sort: str, after: tuple[Any, Any]) -> str:
    raw = json.dumps([sort, *after], default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, UUID]:
    """The sort value and id a cursor holds; ``ValueError`` if it is not a
    cursor of this sort order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, last = json.loads(raw)
        if made_for == sort and not isinstance(value, dict | list | bool):
            parse = SORT_TYPES[sort.lstrip("-")]
            return (None if value is None else parse(value)), UUID(str(last))
    except (ValueError, TypeError, KeyError, binascii.Error, InvalidOperation):
        pass
    raise ValueError("not a cursor of this list and sort order")


@dataclass
class ListQuery:
    """Search, paging, read-your-writes and the filters every list has.
    Ranges: ``*_since`` inclusive, ``*_until`` exclusive."""

    q: Search = None
    sort: str = "name"
    cursor: Cursor = None
    limit: Limit = 50
    min_position: MinPosition = None
    owner_id: UUID | None = None
    created_since: datetime | None = None
    created_until: datetime | None = None
    updated_since: datetime | None = None
    updated_until: datetime | None = None

    def filters(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in PAGING}


SORT = Query(description="sort key; a leading `-` sorts descending")
ByName = Literal["name", "-name"]
ByTime = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
AccountSort = Annotated[Literal[ByName, ByTime], SORT]
LeadSort = Annotated[Literal[ByName, ByTime, "score", "-score"], SORT]
OpportunitySort = Annotated[
    Literal[
        ByName, ByTime, "amount", "-amount", "expected_close_date",
        "-expected_close_date",
    ],
    SORT,
]  # fmt: skip
ActivitySort = Annotated[
    Literal[ByTime, "scheduled_at", "-scheduled_at", "completed_at", "-completed_at"],
    SORT,
]


@dataclass
class AccountQuery(ListQuery):
    sort: AccountSort = "name"
    territory: Text = None
    status: AccountStatus | None = None
    industry: Text = None


@dataclass
class ContactQuery(ListQuery):
    sort: AccountSort = "name"
    territory: Text = None
    account_id: UUID | None = None
    department: Text = None
    do_not_contact: bool | None = None


LeadStatus = Literal["new", "working", "qualified", "disqualified", "converted"]
LeadSource = Literal[
    "purchased_list", "related_product_customer", "web", "referral", "event", "other"
]


@dataclass
class LeadQuery(ListQuery):
    sort: LeadSort = "-created_at"
    status: LeadStatus | None = None
    source: LeadSource | None = None


@dataclass
class OpportunityQuery(ListQuery):
    sort: OpportunitySort = "expected_close_date"
    territory: Text = None
    account_id: UUID | None = None
    status: Literal["open", "won", "lost"] | None = None
    stage: Text = None
    pipeline_id: UUID | None = None
    closes_since: date | None = None
    closes_until: date | None = None


@dataclass
class ActivityQuery(ListQuery):
    sort: ActivitySort = "scheduled_at"
    territory: Text = None
    account_id: UUID | None = None
    contact_id: UUID | None = None
    status: Literal["planned", "completed", "cancelled"] | None = None
    kind: Kind | None = None
    purpose: Annotated[Purpose | None, Query(pattern=NO_NUL)] = None
    department: Text = None
    scheduled_since: datetime | None = None
    scheduled_until: datetime | None = None
    completed_since: datetime | None = None
    completed_until: datetime | None = None
