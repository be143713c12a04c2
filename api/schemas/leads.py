"""Bodies of the ``/leads`` resource.

The source is one object whose ``kind`` says which fields it has (the value
types come from the command layer, so both validate alike)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from commands.accounts import WebDomain
from commands.leads import Score, Source
from commands.normalise import Email, Name, Phone, Text


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class LeadIn(BaseModel):
    """A lead names a person (family name), a company or an email."""

    model_config = _examples(
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

    id: UUID | None = Field(
        default=None, description="choose the id yourself to capture offline"
    )
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

    model_config = _examples({"title": "CFO", "phone": "+1 415 555 0100"})

    given_name: Name | None = None
    family_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    web_domain: WebDomain | None = None
    title: Text | None = None


class DisqualifyIn(BaseModel):
    model_config = _examples({"reason": "no budget this year"})

    reason: Text


class ScoreIn(BaseModel):
    model_config = _examples({"score": 75})

    score: Score


class LeadOwnerIn(BaseModel):
    model_config = _examples({"owner_id": "0a0a0a0a-0000-4000-8000-000000000001"})

    owner_id: UUID | None = Field(description="the rep who owns it; null: nobody")


class LeadOut(BaseModel):
    id: UUID
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
    created_at: datetime
    modified_at: datetime
    version: int = Field(description="send it back as If-Match to write safely")
    position: int | None = Field(
        default=None, description="log position of the write (on writes only)"
    )

    @classmethod
    def of(cls, lead: Any) -> LeadOut:
        fields = {name: getattr(lead, name) for name in _STATE}
        return cls(
            **fields,
            id=lead.id,
            created_at=lead.created_on,
            modified_at=lead.modified_on,
            version=lead.version,
        )


_STATE = [
    name
    for name in LeadOut.model_fields
    if name not in {"id", "created_at", "modified_at", "version", "position"}
]
