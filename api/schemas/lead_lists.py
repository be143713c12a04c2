"""Bodies of ``/lead-lists`` and ``/reports/lead-sources``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import RecordOut, examples
from commands.lead_import import LeadField, ListSource, Report
from commands.normalise import Name

MAX_CSV = 20_000_000  # characters, about 100 000 rows
CSV = "First Name,Last Name,E-mail,Company\nAda,Lovelace,ada@example.com,Analytical\n"


class LeadListIn(BaseModel):
    """The list's name names it: the same name and terms again resumes the
    import (rows that landed are skipped); other terms are a 409."""

    model_config = examples(
        {
            "name": "Expo 2026 visitors",
            "source": {
                "kind": "purchased_list",
                "cost_per_lead": "1.20",
                "currency": "EUR",
            },
            "csv": CSV,
        },
        {
            "name": "Widget owners",
            "source": {"kind": "related_product_customer", "product": "Widget"},
            "mapping": {"E-mail": "email", "Last Name": "family_name"},
            "csv": CSV,
        },
    )

    name: Name
    source: ListSource
    mapping: dict[str, LeadField] | None = Field(
        default=None,
        description="CSV column -> lead field; null: by column names and aliases",
    )
    owner_id: UUID | None = Field(default=None, description="an active rep, or null")
    csv: str = Field(max_length=MAX_CSV, description="the file, header line first")


class RowProblem(BaseModel):
    row: int = Field(description="data row, from 1 (line row + 1 of the file)")
    errors: list[dict[str, str]]


class Duplicate(BaseModel):
    row: int
    matches: list[UUID] = Field(description="contacts or leads it may duplicate")


class ImportOut(BaseModel):
    list_id: UUID
    rows: int = Field(description="data rows read")
    imported: int = Field(description="rows that became leads now")
    already_imported: int = Field(description="rows that had before (a resume)")
    rejected: list[RowProblem]
    possible_duplicates: list[Duplicate]
    version: int
    position: int

    @classmethod
    def of(cls, report: Report, version: int) -> ImportOut:
        fields = {k: v for k, v in report.__dict__.items() if k != "created"}
        return cls(**fields, version=version)


class LeadListOut(RecordOut):
    name: str
    source: str
    cost_per_lead: Decimal | None
    currency: str | None
    product: str | None
    mapping: dict[str, str]
    rows_seen: int
    imported: int
    cost: Decimal
    rejected: list[RowProblem]

    @classmethod
    def of(cls, record: Any) -> Self:
        rejected = [
            RowProblem(row=r, errors=e) for r, e in sorted(record.rejected.items())
        ]
        fields = ("name", "source", "cost_per_lead", "currency", "product", "mapping")
        return cls.of_record(
            record,
            **{f: getattr(record, f) for f in fields},
            rows_seen=record.rows_seen,
            imported=record.imported,
            cost=(record.cost_per_lead or Decimal(0)) * record.imported,
            rejected=rejected,
        )


class SourceRow(BaseModel):
    source: str
    list: str | None = Field(description="list name, or the related product")
    currency: str | None = Field(description="of the cost (purchased lists)")
    leads: int
    qualified: int = Field(description="ever qualified")
    converted: int
    won_deals: int = Field(description="deals of converted leads, won now")
    won: dict[str, Decimal] = Field(description="won amount per deal currency")
    cost: Decimal
    cost_per_won_deal: Decimal | None


class LeadSourcesOut(BaseModel):
    items: list[SourceRow]
    since: datetime | None
    until: datetime | None
    position: int


class LeadListItem(BaseModel):
    list_id: UUID
    name: str
    source: str
    cost_per_lead: Decimal | None
    currency: str | None
    product: str | None
    rows_seen: int
    imported: int
    rejected: int = Field(description="rows rejected and not imported since")
    version: int
    created_position: int
    registered_at: datetime
    updated_at: datetime


class LeadListPage(BaseModel):
    items: list[LeadListItem]
    next_cursor: str | None = Field(description="send as `cursor`; null: no more")
    position: int
