"""Bodies of the ``/contacts`` resource."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from commands.normalise import Email, Name, Phone, Text


class ContactIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "given_name": "Ada",
                    "family_name": "Lovelace",
                    "emails": ["ada@example.com"],
                    "phones": ["+44 20 7946 0958"],
                    "title": "CTO",
                    "department": "sales",
                }
            ]
        },
    )

    id: UUID | None = Field(
        default=None, description="choose the id yourself to capture offline"
    )
    given_name: Name
    family_name: Name
    emails: list[Email] = []
    phones: list[Phone] = []
    title: Text | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = None
    department: Text | None = None
    do_not_contact: bool = False


class ContactPatch(BaseModel):
    """Only the fields sent change; ``null`` clears an optional one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "VP Engineering"}]},
    )

    given_name: Name | None = None
    family_name: Name | None = None
    emails: list[Email] | None = None
    phones: list[Phone] | None = None
    title: Text | None = None
    account_id: UUID | None = None
    department: Text | None = None


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: UUID | None = Field(description="the rep who owns it; null: nobody")


class ConsentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"do_not_contact": True, "reason": "asked by phone"}]
        },
    )

    do_not_contact: bool
    reason: Text | None = None


class ContactOut(BaseModel):
    id: UUID
    given_name: str
    family_name: str
    emails: list[str]
    phones: list[str]
    title: str | None
    account_id: UUID | None
    owner_id: UUID | None
    department: str | None
    do_not_contact: bool
    created_at: datetime
    modified_at: datetime
    version: int = Field(description="send it back as If-Match to write safely")
    position: int | None = Field(
        default=None, description="log position of the write (on writes only)"
    )

    @classmethod
    def of(cls, contact: Any) -> ContactOut:
        return cls(
            id=contact.id,
            given_name=contact.given_name,
            family_name=contact.family_name,
            emails=list(contact.emails),
            phones=list(contact.phones),
            title=contact.title,
            account_id=contact.account_id,
            owner_id=contact.owner_id,
            department=contact.department,
            do_not_contact=contact.do_not_contact,
            created_at=contact.created_on,
            modified_at=contact.modified_on,
            version=contact.version,
        )
