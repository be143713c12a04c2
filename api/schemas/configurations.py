"""Bodies of configurations: a priced selection of a product's options."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.configurations import Selection
from commands.opportunities import Quantity


class ConfigurationIn(BaseModel):
    model_config = examples({"selection": ["white", "leather", "towbar"]})

    id: UUID | None = CHOSEN_ID
    selection: Selection = Field(description="option keys chosen")


class ConfiguredLineIn(BaseModel):
    model_config = examples(
        {"configuration_id": "5b0c8f6e-8f5d-4c1e-9a43-0d2b6f0c1a77", "quantity": 3}
    )

    configuration_id: UUID
    line_id: UUID | None = Field(default=None, description="choose it to retry safely")
    quantity: Quantity


class PricedOptionOut(BaseModel):
    group: str
    option: str
    name: str
    price_delta: Decimal = Field(description="the option's price delta then")
    included_with: str | None = Field(description="came free with this option")
    charged: Decimal = Field(description="what it adds to the total")


class ConfigurationOut(RecordOut):
    product_id: UUID
    product_version: int = Field(description="the product's model and prices used")
    sku: str
    product_name: str
    currency: str
    selection: list[str] = Field(description="as chosen")
    base_price: Decimal = Field(description="the list price then")
    options: list[PricedOptionOut] = Field(description="chosen and included")
    total: Decimal
    owner_id: UUID | None = Field(description="the rep who configured it")

    @classmethod
    def of(cls, c: Any) -> ConfigurationOut:
        names = set(cls.model_fields) - set(RecordOut.model_fields) - {"options"}
        options = [PricedOptionOut(**o) for o in c.options]
        return cls.of_record(c, options=options, **{n: getattr(c, n) for n in names})
