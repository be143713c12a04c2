"""Line items: what an opportunity sells, how many and at what unit price.

What must hold:
- A line names a product (not blank); its quantity is above 0 and its unit
  price is never negative, both ``Decimal``.
- A line's total is quantity times unit price; lines never change the deal's
  amount.
- A configured line names the configuration it was priced from; a plain
  line's events carry no ``configuration_id`` (their shape is unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.base import check


@dataclass(frozen=True)
class LineItem:
    line_id: UUID
    product: str
    sku: str | None
    quantity: Decimal
    unit_price: Decimal
    configuration_id: UUID | None = None

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    def values(self) -> dict[str, Any]:
        """As events carry it (without the id; without a configuration id
        when there is none)."""
        return {
            k: v
            for k, v in vars(self).items()
            if k != "line_id" and not (k == "configuration_id" and v is None)
        }


def check_line(line: LineItem) -> None:
    check(bool(line.product.strip()), "product_required", "a line needs a product")
    check(line.quantity > 0, "quantity_not_positive", "quantity must be above 0")
    check(line.unit_price >= 0, "unit_price_negative", "unit price is negative")


def find_line(lines: tuple[LineItem, ...], line_id: UUID) -> LineItem | None:
    return next((line for line in lines if line.line_id == line_id), None)


def existing_line(lines: tuple[LineItem, ...], line_id: UUID) -> LineItem:
    """The line with ``line_id``; refused with ``unknown_line`` if none."""
    found = find_line(lines, line_id)
    check(found is not None, "unknown_line", f"no line {line_id}")
    assert found is not None
    return found


def replaced(lines: tuple[LineItem, ...], new: LineItem) -> tuple[LineItem, ...]:
    """``lines`` with the line of ``new``'s id replaced by ``new``."""
    return tuple(new if line.line_id == new.line_id else line for line in lines)
