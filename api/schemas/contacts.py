"""Bodies of the ``/contacts`` resource."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from api.schemas.duplicates import DuplicateOut
from commands.normalise import Email, Name, Phone, PostalAddress, Text


class ContactIn(BaseModel):
    model_config = examples(
        {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "emails": ["ada@example.com"],
            "phones": ["+44 20 7946 0958"],
            "title": "CTO",
            "department": "sales",
            "address": {"street": "12 St James's Square", "postcode": "SW1Y 4JH"},
        }
    )

    id: UUID | None = CHOSEN_ID
    given_name: Name
    family_name: Name
    emails: list[Email] = []
    phones: list[Phone] = []
    title: Text | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = None
    department: Text | None = None
    do_not_contact: bool = False
    address: PostalAddress | None = None


class ContactPatch(BaseModel):
    """Only the fields sent change; ``null`` clears an optional one."""

    model_config = examples({"title": "VP Engineering"})

    given_name: Name | None = None
    family_name: Name | None = None
    emails: list[Email] | None = None
    phones: list[Phone] | None = None
    title: Text | None = None
    account_id: UUID | None = None
    department: Text | None = None
    address: PostalAddress | None = None


class ContactOwnerIn(BaseModel):
    model_config = examples({"owner_id": "0a0a0a0a-0000-4000-8000-000000000001"})

    owner_id: UUID | None = Field(description="the rep who owns it; null: nobody")


class ConsentIn(BaseModel):
    model_config = examples({"do_not_contact": True, "reason": "asked by phone"})

    do_not_contact: bool
    reason: Text | None = None


class ContactOut(RecordOut):
    given_name: str
    family_name: str
    emails: list[str]
    phones: list[str]
    title: str | None
    account_id: UUID | None
    owner_id: UUID | None
    department: str | None
    do_not_contact: bool
    forgotten: bool = Field(
        default=False,
        description="personal data erased (POST /contacts/{id}/forget):"
        " names and title read '[erased]', emails and phones []",
    )
    address: dict[str, str] | None = Field(
        default=None, description="postal address: street, locality, postcode…"
    )
    merged_into: UUID | None = Field(
        default=None, description="set on an alias: the record it was merged into"
    )


class ContactCreatedOut(ContactOut):
    likely_duplicates: list[DuplicateOut] | None = Field(
        default=None,
        description="contacts this one is likely to be (score >= 0.5), once the"
        " dedup view has applied the write; null if it has not yet",
    )
