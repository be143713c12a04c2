"""Bodies of the ``/accounts`` resource."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.accounts import Country, Employees, Postcode, Status, Territory
from commands.normalise import Name, Text, WebDomain


class AccountIn(BaseModel):
    model_config = examples(
        {
            "name": "Acme Corp",
            "web_domain": "https://www.acme.com/about",
            "industry": "manufacturing",
            "territory": "emea-north",
            "status": "prospect",
        }
    )

    id: UUID | None = CHOSEN_ID
    name: Name
    web_domain: WebDomain | None = Field(
        default=None, description="a domain or URL; stored as the bare host"
    )
    industry: Text | None = None
    territory: Territory | None = None
    owner_id: UUID | None = Field(default=None, description="an active rep, or null")
    status: Status = "prospect"
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2")
    region: Name | None = None
    postcode: Postcode | None = None
    employees: Employees | None = Field(default=None, description="company size")


class AccountPatch(BaseModel):
    """Only the fields sent change; ``null`` clears an optional one."""

    model_config = examples({"industry": "aerospace"})

    name: Name | None = None
    web_domain: WebDomain | None = None
    industry: Text | None = None
    country: Country | None = None
    region: Name | None = None
    postcode: Postcode | None = None
    employees: Employees | None = None


class AccountOwnerIn(BaseModel):
    model_config = examples({"owner_id": "0a0a0a0a-0000-4000-8000-000000000001"})

    owner_id: UUID | None = Field(description="an active rep; null: nobody")


class TerritoryIn(BaseModel):
    model_config = examples({"territory": "emea-south"})

    territory: Territory | None = Field(description="null: no territory")


class StatusIn(BaseModel):
    """``prospect`` -> ``active_customer`` -> ``former_customer`` ->
    ``active_customer`` (won back); nothing else."""

    model_config = examples({"status": "active_customer", "reason": "first order"})

    status: Status
    reason: Text | None = None


class AccountOut(RecordOut):
    name: str
    web_domain: str | None
    industry: str | None
    territory: str | None
    owner_id: UUID | None
    status: Status
    country: str | None = None
    region: str | None = None
    postcode: str | None = None
    employees: int | None = None
    territory_id: UUID | None = Field(
        default=None, description="the territory that placed it (null: free text)"
    )
    territory_rule: str | None = Field(
        default=None, description="the rule that placed it, or 'manual'"
    )
    merged_into: UUID | None = Field(
        default=None, description="set on an alias: the record it was merged into"
    )
