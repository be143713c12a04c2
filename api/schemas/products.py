"""Bodies of the ``/products`` resource: the catalogue and its configurator.

Money travels as a JSON string (``"1250.00"``) in answers, so no float ever
rounds it; requests may send a string or a number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import RecordOut, examples
from commands.configurator import Delta, Key
from commands.normalise import Currency, Money, Name, Text
from commands.products import Description, Sku


class ProductIn(BaseModel):
    model_config = examples(
        {
            "sku": "VAN-LWB",
            "name": "Van, long wheelbase",
            "description": "3.5 t panel van, 4.3 m load length",
            "list_price": "32000.00",
            "currency": "EUR",
        }
    )

    sku: Sku = Field(description="unique; stored upper-case; never changes")
    name: Name
    description: Description = ""
    list_price: Money
    currency: Currency = Field(description="ISO 4217, e.g. EUR")


class ProductPatch(BaseModel):
    """Only the fields sent change."""

    model_config = examples({"description": "now with a 5-year warranty"})

    name: Name | None = None
    description: Description | None = None


class PriceIn(BaseModel):
    model_config = examples({"list_price": "33500.00"})

    list_price: Money
    currency: Currency | None = Field(default=None, description="default: as is")


class RetireIn(BaseModel):
    model_config = examples({"reason": "replaced by VAN-LWB-2"})

    reason: Text = Field(min_length=1)


class GroupIn(BaseModel):
    model_config = examples(
        {"key": "colour", "name": "Colour", "choice": "single", "required": True}
    )

    key: Key
    name: Name
    choice: Literal["single", "multiple"] = "single"
    required: bool = False


class OptionIn(BaseModel):
    model_config = examples(
        {"key": "leather", "group": "seats", "name": "Leather", "price_delta": 1800}
    )

    key: Key = Field(description="unique within the product")
    group: Key
    name: Name
    price_delta: Delta = Field(default=Decimal(0), description="may be negative")


class OptionPatch(BaseModel):
    model_config = examples({"price_delta": "1950.00"})

    name: Name | None = None
    price_delta: Delta | None = None


class RuleIn(BaseModel):
    model_config = examples(
        {"kind": "requires", "option": "towbar", "other": "heavy_duty_suspension"}
    )

    rule_id: UUID | None = Field(default=None, description="choose it to retry")
    kind: Literal["requires", "excludes", "included_with"] = Field(
        description="option requires other; excludes it; comes free with it"
    )
    option: Key
    other: Key
    message: Text | None = Field(
        default=None, description="what a customer reads; default: made up"
    )


class GroupOut(BaseModel):
    key: str
    name: str
    choice: str
    required: bool


class OptionOut(BaseModel):
    key: str
    group: str
    name: str
    price_delta: Decimal


class RuleOut(BaseModel):
    rule_id: UUID
    kind: str
    option: str
    other: str
    message: str


class ProductOut(RecordOut):
    sku: str
    name: str
    description: str
    list_price: Decimal
    currency: str
    status: str = Field(description="active or retired")
    retired_reason: str | None
    option_groups: list[GroupOut]
    options: list[OptionOut]
    rules: list[RuleOut]

    @classmethod
    def of(cls, p: Any) -> ProductOut:
        model = p.model
        return cls.of_record(
            p,
            **{n: getattr(p, n) for n in ProductItem.own_fields()},
            retired_reason=p.retired_reason,
            option_groups=[GroupOut(**vars(g)) for g in model.groups],
            options=[OptionOut(**vars(o)) for o in model.options],
            rules=[RuleOut(**vars(r)) for r in model.rules],
        )


class ProductItem(BaseModel):
    """A row of ``GET /products`` (the catalogue view)."""

    id: UUID
    sku: str
    name: str
    description: str
    list_price: Decimal
    currency: str
    status: str
    option_groups: int = Field(default=0, description="how many")
    options: int = Field(default=0, description="how many")
    rules: int = Field(default=0, description="how many")
    knowledge_entries: int = Field(default=0, description="current ones")
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def own_fields(cls) -> tuple[str, ...]:
        return ("sku", "name", "description", "list_price", "currency", "status")

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProductItem:
        price = Decimal(str(row["list_price"]))
        return cls.model_validate({**row, "id": row["product_id"], "list_price": price})


class ProductPage(BaseModel):
    items: list[ProductItem]
    next_cursor: str | None = Field(description="send as `cursor`; null: no more")
    position: int = Field(description="the view had applied the log up to here")
