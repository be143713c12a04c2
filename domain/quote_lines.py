"""Quote lines: what a quote offers, at what list price and discount.

What must hold:
- A line names a product (not blank); its quantity is above 0, its unit
  price (the list price, or a configuration's total) never negative, and
  its discount a percentage from 0 to 100; all ``Decimal``.
- A line's gross is quantity times unit price; its net is the gross less
  the discount. A quote's discount is that of its whole: 100 * (gross - net)
  / gross, to 4 decimal places (0 for an empty or free quote); that is
  what the approval threshold is compared with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from domain.base import check

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class QuoteLine:
    line_id: UUID
    product: str
    sku: str | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    product_id: UUID | None = None
    configuration_id: UUID | None = None

    @property
    def gross(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def net(self) -> Decimal:
        return self.gross * (HUNDRED - self.discount_percent) / HUNDRED

    def values(self) -> dict[str, Any]:
        """As events carry it (without the id)."""
        return {k: v for k, v in vars(self).items() if k != "line_id"}

    def priced(self) -> dict[str, Any]:
        """As a sent revision records it: with its id, gross and net."""
        return {**vars(self), "gross": self.gross, "net": self.net}


def check_quote_line(line: QuoteLine) -> None:
    check(bool(line.product.strip()), "product_required", "a line needs a product")
    check(line.quantity > 0, "quantity_not_positive", "quantity must be above 0")
    check(line.unit_price >= 0, "unit_price_negative", "unit price is negative")
    check(
        0 <= line.discount_percent <= HUNDRED,
        "discount_range",
        f"discount {line.discount_percent} % is not within 0-100",
    )


@dataclass(frozen=True)
class Totals:
    gross: Decimal
    net: Decimal

    @property
    def discount(self) -> Decimal:
        return self.gross - self.net

    @property
    def discount_percent(self) -> Decimal:
        if not self.gross:
            return Decimal(0)
        exact = HUNDRED * self.discount / self.gross
        return exact.quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @classmethod
    def of(cls, lines: Iterable[QuoteLine]) -> Totals:
        found = list(lines)
        return cls(
            sum((line.gross for line in found), Decimal(0)),
            sum((line.net for line in found), Decimal(0)),
        )
