"""Bodies of ``/quotes`` and ``/orders``: what is offered and what was
bought. Money and percentages travel as JSON strings in answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.opportunities import Quantity
from commands.orders import Shipped
from commands.quote_decisions import Reason
from commands.quotes import Percent

DEAL = "5b0c8f6e-8f5d-4c1e-9a43-0d2b6f0c1a77"


def one_of(a: object, b: object, a_name: str, b_name: str) -> None:
    """A body names exactly one of two sources (a 422 otherwise)."""
    if (a is None) == (b is None):
        raise ValueError(f"give either {a_name} or {b_name}")


class QuoteIn(BaseModel):
    model_config = examples({"valid_until": "2027-01-31", "copy_lines": True})

    id: UUID | None = CHOSEN_ID
    valid_until: date
    copy_lines: bool = Field(default=True, description="start with the deal's lines")


class QuoteLineIn(BaseModel):
    """Exactly one of ``product_id`` and ``configuration_id``."""

    model_config = examples(
        {"configuration_id": DEAL, "quantity": 4, "discount_percent": "7.5"}
    )

    line_id: UUID | None = Field(default=None, description="choose it to retry safely")
    product_id: UUID | None = Field(default=None, description="at its list price")
    configuration_id: UUID | None = Field(default=None, description="at its total")
    quantity: Quantity
    discount_percent: Percent = Decimal(0)

    @model_validator(mode="after")
    def _one_source(self) -> QuoteLineIn:
        one_of(self.product_id, self.configuration_id, "product_id", "configuration_id")
        return self


class QuoteLinePatch(BaseModel):
    model_config = examples({"discount_percent": "12"})

    quantity: Quantity | None = None
    discount_percent: Percent | None = None


class ValidityIn(BaseModel):
    model_config = examples({"valid_until": "2027-02-28"})

    valid_until: date


class ReasonIn(BaseModel):
    model_config = examples({"reason": "budget frozen until Q3"})

    reason: Reason


class AcceptIn(BaseModel):
    model_config = examples({"revision": 2}, {"revision": 2, "win_deal": True})

    revision: int = Field(ge=1, description="the revision the customer accepts")
    win_deal: bool = Field(
        default=False,
        description="also win the deal (if open) at the accepted net total, in"
        " the same transaction",
    )


class ThresholdIn(BaseModel):
    model_config = examples({"approval_threshold": "15"})

    approval_threshold: Percent = Field(description="percent of the quote's gross")


class QuoteLineOut(BaseModel):
    line_id: UUID
    product: str
    sku: str | None
    product_id: UUID | None
    configuration_id: UUID | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    gross: Decimal
    net: Decimal

    @classmethod
    def of(cls, line: Any) -> QuoteLineOut:
        return cls(**vars(line), gross=line.gross, net=line.net)


class RevisionOut(BaseModel):
    revision: int
    lines: list[QuoteLineOut]
    gross: Decimal
    net: Decimal
    discount_percent: Decimal
    valid_until: date


class QuoteOut(RecordOut):
    opportunity_id: UUID
    account_id: UUID
    owner_id: UUID | None
    currency: str
    valid_until: date
    revision: int = Field(description="the revision being drafted or sent last")
    status: str = Field(description="draft, pending_approval, sent, accepted, rejected")
    approval_threshold: Decimal = Field(description="percent, as when drafted")
    needs_approval: bool = Field(description="a manager must approve to send it")
    approved_discount: Decimal | None
    lines: list[QuoteLineOut]
    gross: Decimal
    net: Decimal
    discount_percent: Decimal
    sent: list[RevisionOut] = Field(description="every revision as it was sent")

    @classmethod
    def of(cls, q: Any) -> QuoteOut:
        totals = q.totals
        names = (
            "opportunity_id",
            "account_id",
            "owner_id",
            "currency",
            "valid_until",
            "revision",
            "status",
            "approval_threshold",
            "needs_approval",
            "approved_discount",
        )
        sent = [
            RevisionOut(
                revision=n, **{**s, "lines": [QuoteLineOut(**li) for li in s["lines"]]}
            )
            for n, s in sorted(q.sent.items())
        ]
        return cls.of_record(
            q,
            **{n: getattr(q, n) for n in names},
            lines=[QuoteLineOut.of(li) for li in q.lines],
            gross=totals.gross,
            net=totals.net,
            discount_percent=totals.discount_percent,
            sent=sent,
        )


class QuoteItem(BaseModel):
    """A row of ``GET /quotes``: figures as sent last (null: never sent)."""

    id: UUID
    opportunity_id: UUID
    account_id: UUID
    owner_id: UUID | None
    currency: str
    revision: int
    status: str
    valid_until: date
    gross: Decimal | None
    net: Decimal | None
    discount_percent: Decimal | None
    sent_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> QuoteItem:
        return cls.model_validate({**_money(row), "id": row["quote_id"]})


def _money(row: dict[str, Any]) -> dict[str, Any]:
    """Amounts as ``Decimal`` (SQLite gives numbers back as floats or ints)."""
    names = ("gross", "net", "discount_percent", "total")
    return {
        k: Decimal(str(v)) if k in names and v is not None else v
        for k, v in row.items()
    }


class OrderPlaceIn(BaseModel):
    """Exactly one of ``quote_id`` (accepted) and ``opportunity_id`` (won)."""

    model_config = examples({"quote_id": DEAL}, {"opportunity_id": DEAL})

    quote_id: UUID | None = None
    opportunity_id: UUID | None = None

    @model_validator(mode="after")
    def _one_source(self) -> OrderPlaceIn:
        one_of(self.quote_id, self.opportunity_id, "quote_id", "opportunity_id")
        return self


class FulfilIn(BaseModel):
    model_config = examples({"lines": [{"line_id": DEAL, "quantity": 2}]})

    lines: list[Shipped] = Field(min_length=1, max_length=500)


class OrderOut(RecordOut):
    opportunity_id: UUID
    account_id: UUID
    owner_id: UUID | None
    quote_id: UUID | None
    quote_revision: int | None
    currency: str
    lines: list[QuoteLineOut]
    total: Decimal = Field(description="sum of the lines' nets")
    status: str = Field(
        description="placed, confirmed, partially_fulfilled, fulfilled, cancelled"
        " or returned"
    )
    fulfilled: dict[UUID, Decimal] = Field(description="line id -> quantity shipped")
    reason: str | None = Field(description="why it was cancelled or returned")

    @classmethod
    def of(cls, o: Any) -> OrderOut:
        names = set(cls.model_fields) - set(RecordOut.model_fields) - {"lines"}
        lines = [QuoteLineOut.of(li) for li in o.lines]
        return cls.of_record(o, lines=lines, **{n: getattr(o, n) for n in names})


class OrderItem(BaseModel):
    """A row of ``GET /orders``."""

    id: UUID
    opportunity_id: UUID
    account_id: UUID
    owner_id: UUID | None
    quote_id: UUID | None
    currency: str
    total: Decimal
    lines: int
    status: str
    version: int
    placed_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> OrderItem:
        return cls.model_validate({**_money(row), "id": row["order_id"]})


class Page(BaseModel):
    next_cursor: str | None = Field(description="send as `cursor`; null: no more")
    position: int = Field(description="the view had applied the log up to here")


class QuotePage(Page):
    items: list[QuoteItem]


class OrderPage(Page):
    items: list[OrderItem]
