"""Configuration: a valid selection of a product's options, priced, as it
was when it was made.

What must hold:
- A configuration is recorded only when its selection is valid for the
  product's model at that moment (``Product.configure``).
- It records the product's version it was made at, and the prices it was
  priced with: later changes to the product's options, rules or prices
  never change it (as-of). It never changes after it is recorded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate
from domain.product import Product


class Configuration(SalesAggregate):
    @classmethod
    def make(
        cls, id: UUID, product: Product, selection: list[str], owner_id: UUID | None
    ) -> Configuration:
        """Refused with ``SelectionInvalid`` (every broken rule) or
        ``product_retired``."""
        priced = product.configure(selection)
        options = [{**vars(o), "charged": o.charged} for o in priced.options]
        return cls(
            id=id,
            product_id=product.id,
            product_version=product.version,
            sku=product.sku,
            product_name=product.name,
            currency=product.currency,
            selection=list(dict.fromkeys(selection)),
            base_price=priced.base_price,
            options=options,
            total=priced.total,
            owner_id=owner_id,
        )

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        product_id: UUID,
        product_version: int,
        sku: str,
        product_name: str,
        currency: str,
        selection: list[str],
        base_price: Decimal,
        options: list[dict[str, Any]],
        total: Decimal,
        owner_id: UUID | None,
    ) -> None:
        self.product_id = product_id
        self.product_version = product_version
        self.sku = sku
        self.product_name = product_name
        self.currency = currency
        self.selection = list(selection)
        self.base_price = base_price
        self.options = [dict(o) for o in options]
        self.total = total
        self.owner_id = owner_id
