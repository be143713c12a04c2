"""Bodies of the lists: a page of ``GET /contacts``, ``/accounts``,
``/leads``, ``/opportunities`` or ``/activities``, made from rows of the
lists view (``projections.lists_query.select_page``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field, field_validator


class ListItem(BaseModel):
    id: UUID
    version: int = Field(description="the record's version when last listed")
    created_at: datetime
    updated_at: datetime = Field(description="time of the record's last event")

    @classmethod
    def of(cls, row: dict[str, Any], key: str) -> Self:
        return cls.model_validate({**row, "id": row[key]})


class AccountItem(ListItem):
    name: str
    web_domain: str | None
    industry: str | None
    territory: str | None
    owner_id: UUID | None
    status: str


class AtAccount(ListItem):
    account_id: UUID | None
    company: str | None = Field(description="the account's name")
    territory: str | None = Field(description="the account's territory")
    owner_id: UUID | None


class ContactItem(AtAccount):
    given_name: str
    family_name: str
    emails: list[str]
    phones: list[str]
    title: str | None
    department: str | None
    do_not_contact: bool

    @field_validator("emails", "phones", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class LeadItem(ListItem):
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    web_domain: str | None
    title: str | None
    source: str
    status: str
    score: int
    owner_id: UUID | None
    contact_id: UUID | None = Field(description="once converted")
    account_id: UUID | None = Field(description="once converted")
    opportunity_id: UUID | None = Field(description="once converted, if one")


class OpportunityItem(AtAccount):
    name: str
    primary_contact_id: UUID | None
    amount: Decimal
    currency: str
    expected_close_date: date
    pipeline_id: UUID
    stage: str
    probability: int
    forecast_category: str
    status: str
    closed_at: datetime | None


class ActivityItem(AtAccount):
    kind: str
    purpose: str
    status: str
    scheduled_at: datetime | None
    completed_at: datetime | None
    contact_id: UUID | None
    contact_name: str | None
    department: str | None
    outcome: str | None
    duration_minutes: int | None
    follows_id: UUID | None
    follow_up_id: UUID | None


ItemT = TypeVar("ItemT", bound=ListItem)


class ListPage(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        description="send as `cursor` (same sort) for the next page; null: no more"
    )
    position: int = Field(description="the view had applied the log up to here")
