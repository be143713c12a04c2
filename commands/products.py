"""Product catalogue commands: introduce, change details and price, retire,
reactivate.

What must hold:
- Only admins and services (a catalogue system feeding us) change the
  catalogue (``Forbidden`` for everyone else).
- One SKU names one product, also under concurrency: the product's id is
  the SKU's (``product_id_for``), so a second introduction of a SKU is the
  same stream. The same SKU with the same body again records nothing and
  answers the product; with another body it is refused (``sku_taken``, a
  409), also when two introductions race (the store refuses the loser's
  version 1 and the handler answers as for a repeat).
- SKUs are stored upper-case; money and currencies as in
  ``commands.normalise``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import AfterValidator, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Caller,
    Command,
    Conflict,
    Context,
    Forbidden,
    IdReused,
    Outcome,
    exists,
    load,
    repeat_of_creation,
    save,
)
from commands.normalise import Currency, Money, Name, Text
from domain.product import Product, product_id_for

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")


def normal_sku(value: str) -> str:
    if not _SKU.match(value):
        msg = "a SKU is 1-64 letters, digits and . _ / - (stored upper-case)"
        raise ValueError(msg)
    return value


Sku = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=64),
    AfterValidator(normal_sku),
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]


class SkuTaken(IdReused):
    rule = "sku_taken"


class IntroduceProduct(Command):
    sku: Sku
    name: Name
    description: Description = ""
    list_price: Money
    currency: Currency


class ChangeProductDetails(Command):
    """Only the fields present change."""

    product_id: UUID
    name: Name | None = None
    description: Description | None = None


class ChangeListPrice(Command):
    product_id: UUID
    list_price: Money
    currency: Currency | None = None


class RetireProduct(Command):
    product_id: UUID
    reason: Annotated[Text, StringConstraints(min_length=1)]


class ReactivateProduct(Command):
    product_id: UUID


def require_catalogue(caller: Caller) -> None:
    if not caller.has("admin", "service"):
        raise Forbidden(f"{caller.name} may not change the catalogue")


def introduce_product(
    app: SalesApplication, cmd: IntroduceProduct, ctx: Context
) -> Outcome:
    require_catalogue(ctx.caller)
    fields = cmd.model_dump()
    found = exists(app, product_id_for(cmd.sku))
    if found is not None:
        return _repeat(app, found, fields)
    try:
        return save(app, ctx, Product.introduce(**fields), created=True)
    except Conflict:  # another introduction of this SKU was recorded first
        found = exists(app, product_id_for(cmd.sku))
        assert found is not None
        return _repeat(app, found, fields)


def _repeat(app: SalesApplication, found: Aggregate, fields: dict[str, Any]) -> Outcome:
    try:
        return repeat_of_creation(app, found, Product, fields)
    except IdReused:
        msg = f"SKU {fields['sku']} names another product already"
        raise SkuTaken(msg) from None


def load_product(
    app: SalesApplication, product_id: UUID, ctx: Context, write: bool = True
) -> Product:
    """The product (``NotFound``, ``StaleVersion``); for a write, only if the
    caller may change the catalogue."""
    if write:
        require_catalogue(ctx.caller)
    return load(app, Product, product_id, ctx)


def change_product_details(
    app: SalesApplication, cmd: ChangeProductDetails, ctx: Context
) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.change_details(
        product.name if cmd.name is None else cmd.name,
        product.description if cmd.description is None else cmd.description,
    )
    return save(app, ctx, product)


def change_list_price(
    app: SalesApplication, cmd: ChangeListPrice, ctx: Context
) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.change_price(cmd.list_price, cmd.currency or product.currency)
    return save(app, ctx, product)


def retire_product(app: SalesApplication, cmd: RetireProduct, ctx: Context) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.retire(cmd.reason)
    return save(app, ctx, product)


def reactivate_product(
    app: SalesApplication, cmd: ReactivateProduct, ctx: Context
) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.reactivate()
    return save(app, ctx, product)
