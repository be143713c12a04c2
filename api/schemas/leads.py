"""Bodies of the ``/leads`` resource.

The source is one object whose ``kind`` says which fields it has (the value
types come from the command layer, so both validate alike)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from api.schemas.duplicates import DuplicateOut
from commands.application import SalesApplication
from commands.lead_conversion import check_conversion
from commands.leads import Score, Source
from commands.normalise import (
    Currency,
    Email,
    Money,
    Name,
    Phone,
    Text,
    WebDomain,
)


class LeadIn(BaseModel):
    """A lead names a person (family name), a company or an email."""

    model_config = examples(
        {
            "given_name": "Grace",
            "family_name": "Hopper",
            "email": "grace@navy.example",
            "company_name": "Navy Labs",
            "web_domain": "navy.example",
            "title": "Rear Admiral",
            "source": {
                "kind": "purchased_list",
                "list_name": "Expo 2030 visitors",
                "cost_per_lead": "1.25",
                "currency": "EUR",
            },
            "score": 40,
        },
        {
            "company_name": "Acme",
            "source": {"kind": "related_product_customer", "product": "Roadster"},
        },
    )

    id: UUID | None = CHOSEN_ID
    source: Source
    given_name: Name | None = None
    family_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    web_domain: WebDomain | None = None
    title: Text | None = None
    score: Score = 0
    owner_id: UUID | None = Field(default=None, description="null: unowned")


class LeadPatch(BaseModel):
    """Only the fields sent change; ``null`` clears one."""

    model_config = examples({"title": "CFO", "phone": "+1 415 555 0100"})

    given_name: Name | None = None
    family_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    web_domain: WebDomain | None = None
    title: Text | None = None


class DisqualifyIn(BaseModel):
    model_config = examples({"reason": "no budget this year"})

    reason: Text


class ScoreIn(BaseModel):
    model_config = examples({"score": 75})

    score: Score


class LeadOwnerIn(BaseModel):
    model_config = examples({"owner_id": "0a0a0a0a-0000-4000-8000-000000000001"})

    owner_id: UUID | None = Field(description="the rep who owns it; null: nobody")


class ConvertIn(BaseModel):
    """Into an existing account (``account_id``) or a new one opened from the
    lead's company; with ``create_opportunity``, a deal in the default
    pipeline's first stage (``currency`` and ``expected_close_date`` needed).
    The ids of what is created may be chosen: the same conversion sent again
    then records nothing and answers the same."""

    model_config = examples(
        {
            "contact_id": "3f2b8a4c-1d5e-4f6a-8b7c-9d0e1f2a3b4c",
            "new_account_id": "5c0ffee0-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
            "create_opportunity": True,
            "opportunity_id": "6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a",
            "opportunity_name": "Navy Labs fleet",
            "amount": "48000.00",
            "currency": "EUR",
            "expected_close_date": "2030-12-31",
        },
        {"account_id": "7f1c7e0e-2f6b-4a53-9d55-2a1f0e7a9b10"},
    )

    account_id: UUID | None = Field(
        default=None, description="an existing account; null: open one"
    )
    new_account_id: UUID | None = Field(
        default=None, description="choose the id of the account opened"
    )
    contact_id: UUID | None = Field(
        default=None, description="choose the id of the contact"
    )
    create_opportunity: bool = False
    opportunity_id: UUID | None = Field(
        default=None, description="choose the id of the opportunity"
    )
    opportunity_name: Name | None = Field(
        default=None, description="default: the account's name"
    )
    amount: Money | None = Field(default=None, description="default: 0")
    currency: Currency | None = Field(default=None, description="ISO 4217")
    expected_close_date: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ConvertIn:
        check_conversion(self)
        return self


class LeadConversionOut(BaseModel):
    """What the lead became. Each ``*_version`` is that record's version when
    this answer was made: send it as If-Match to change the record."""

    lead_id: UUID
    status: str = Field(description="converted")
    contact_id: UUID
    contact_version: int
    account_id: UUID
    account_version: int
    opportunity_id: UUID | None
    opportunity_version: int | None
    version: int = Field(description="the lead's; its ETag")
    position: int | None = Field(
        default=None, description="log position of the conversion's last event"
    )

    @classmethod
    def of(cls, lead: Any, app: SalesApplication) -> LeadConversionOut:
        def version(record_id: UUID) -> int:
            return int(app.repository.get(record_id).version)

        deal = lead.opportunity_id
        return cls(
            lead_id=lead.id,
            status=lead.status,
            contact_id=lead.contact_id,
            contact_version=version(lead.contact_id),
            account_id=lead.account_id,
            account_version=version(lead.account_id),
            opportunity_id=deal,
            opportunity_version=None if deal is None else version(deal),
            version=lead.version,
        )


class LeadOut(RecordOut):
    status: str = Field(
        description="new, working, qualified, disqualified or converted"
    )
    source: str
    list_name: str | None
    cost_per_lead: Decimal | None
    currency: str | None
    product: str | None
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    web_domain: str | None
    title: str | None
    score: int
    owner_id: UUID | None
    disqualify_reason: str | None
    contact_id: UUID | None = Field(description="once converted")
    account_id: UUID | None = Field(description="once converted")
    opportunity_id: UUID | None = Field(description="once converted, if any")
    forgotten: bool = Field(
        default=False,
        description="personal data erased by POST /leads/{id}/forget: names,"
        " email, phone, title read '[erased]' (as they do, with this false,"
        " once the contact a converted lead became is forgotten)",
    )


class LeadCapturedOut(LeadOut):
    likely_duplicates: list[DuplicateOut] = Field(
        default_factory=list,
        description="contacts and accounts the lead is likely to be (score >= 0.5)",
    )
