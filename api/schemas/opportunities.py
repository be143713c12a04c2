"""Bodies of the ``/opportunities`` resource.

Money travels as a JSON string (``"1250.00"``) in answers, so no float ever
rounds it; requests may send a string or a number.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.normalise import Currency, Money, Name, Text
from commands.opportunities import Product, Quantity
from commands.pipelines import StageKey
from domain.pipeline import DEFAULT_PIPELINE_ID


class OpportunityIn(BaseModel):
    model_config = examples(
        {
            "account_id": "7f1c7e0e-2f6b-4a53-9d55-2a1f0e7a9b10",
            "name": "Fleet renewal 2027",
            "amount": "48000.00",
            "currency": "EUR",
            "expected_close_date": "2027-03-31",
            "stage": "qualification",
        }
    )

    id: UUID | None = CHOSEN_ID
    account_id: UUID
    primary_contact_id: UUID | None = None
    owner_id: UUID | None = Field(default=None, description="a rep; null: unowned")
    name: Name
    amount: Money = Decimal(0)
    currency: Currency = Field(description="ISO 4217, e.g. EUR")
    expected_close_date: date
    pipeline_id: UUID = Field(
        default=DEFAULT_PIPELINE_ID, description="default: the default pipeline"
    )
    stage: StageKey | None = Field(
        default=None, description="a stage key of the pipeline; default: the first"
    )


class OpportunityPatch(BaseModel):
    """Only the fields sent change; ``primary_contact_id: null`` clears it."""

    model_config = examples({"amount": "52000", "expected_close_date": "2027-04-30"})

    name: Name | None = None
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    primary_contact_id: UUID | None = None


class OpportunityOwnerIn(BaseModel):
    model_config = examples({"owner_id": "0a0a0a0a-0000-4000-8000-000000000001"})

    owner_id: UUID | None = Field(description="the rep who owns it; null: nobody")


class StageIn(BaseModel):
    model_config = examples({"stage": "proposal"})

    stage: StageKey


class LoseIn(BaseModel):
    model_config = examples({"reason": "chose a competitor on price"})

    reason: Text = Field(min_length=1)


class ReopenIn(BaseModel):
    model_config = examples({"stage": "negotiation"})

    stage: StageKey | None = Field(
        default=None, description="default: the stage it was closed in"
    )


class LineIn(BaseModel):
    model_config = examples(
        {
            "product": "Van, long wheelbase",
            "sku": "VAN-LWB",
            "quantity": 4,
            "unit_price": "12000.00",
        }
    )

    line_id: UUID | None = Field(default=None, description="choose it to retry safely")
    product: Product
    sku: Product | None = None
    quantity: Quantity
    unit_price: Money


class LinePatch(BaseModel):
    """Only the fields sent change; ``sku: null`` clears the SKU."""

    model_config = examples({"quantity": 5})

    product: Product | None = None
    sku: Product | None = None
    quantity: Quantity | None = None
    unit_price: Money | None = None


class LineOut(BaseModel):
    line_id: UUID
    product: str
    sku: str | None
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    configuration_id: UUID | None = Field(
        default=None, description="the configuration a configured line is from"
    )


class OpportunityOut(RecordOut):
    account_id: UUID
    primary_contact_id: UUID | None
    owner_id: UUID | None
    name: str
    amount: Decimal
    currency: str
    expected_close_date: date
    pipeline_id: UUID
    stage: str = Field(description="key of the stage it is (or was closed) in")
    probability: int = Field(description="of its stage; 100 when won, 0 when lost")
    forecast_category: str
    status: str = Field(description="open, won or lost")
    lost_reason: str | None
    lines: list[LineOut]
    lines_total: Decimal = Field(description="sum of the lines; amount is separate")

    @classmethod
    def of(cls, o: Any) -> OpportunityOut:
        lines = [LineOut(**vars(li), total=li.total) for li in o.lines]
        names = set(cls.model_fields) - set(RecordOut.model_fields) - {"lines"}
        return cls.of_record(o, lines=lines, **{n: getattr(o, n) for n in names})
