"""Configurator commands: a product's option groups, options and rules.

What must hold:
- Only admins and services change them (``require_catalogue``).
- Every change is an event on the product, so each version of the product
  is the model in force from then on; a configuration made earlier keeps
  the version it was made at.
- Keys are snake_case; a price delta may be negative (a cheaper choice),
  with at most 4 decimal places. A rule without a message gets one made
  from the options' names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints

from commands.application import SalesApplication
from commands.base import Command, Context, Outcome, save
from commands.ids import new_id
from commands.normalise import Name, Text, plain
from commands.products import load_product
from domain.base import RuleBroken
from domain.configurator import (
    Option,
    OptionGroup,
    Rule,
    default_message,
)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Delta = Annotated[
    Decimal,
    Field(max_digits=18, decimal_places=4, allow_inf_nan=False),
    AfterValidator(plain),
]


class AddOptionGroup(Command):
    product_id: UUID
    key: Key
    name: Name
    choice: Literal["single", "multiple"] = "single"
    required: bool = False


class RemoveOptionGroup(Command):
    product_id: UUID
    key: Key


class AddOption(Command):
    product_id: UUID
    key: Key
    group: Key
    name: Name
    price_delta: Delta = Decimal(0)


class ChangeOption(Command):
    """Only the fields present change."""

    product_id: UUID
    key: Key
    name: Name | None = None
    price_delta: Delta | None = None


class RemoveOption(Command):
    product_id: UUID
    key: Key


class AddRule(Command):
    product_id: UUID
    rule_id: UUID | None = Field(default=None, description="choose it to retry")
    kind: Literal["requires", "excludes", "included_with"]
    option: Key
    other: Key
    message: Text | None = None


class RemoveRule(Command):
    product_id: UUID
    rule_id: UUID


def add_option_group(
    app: SalesApplication, cmd: AddOptionGroup, ctx: Context
) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    values = cmd.model_dump(exclude={"product_id"})
    product.add_group(OptionGroup(**values))
    return save(app, ctx, product)


def remove_option_group(
    app: SalesApplication, cmd: RemoveOptionGroup, ctx: Context
) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.remove_group(cmd.key)
    return save(app, ctx, product)


def add_option(app: SalesApplication, cmd: AddOption, ctx: Context) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.add_option(Option(**cmd.model_dump(exclude={"product_id"})))
    return save(app, ctx, product)


def change_option(app: SalesApplication, cmd: ChangeOption, ctx: Context) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    changes = cmd.model_dump(include={"name", "price_delta"}, exclude_none=True)
    product.change_option(cmd.key, **changes)
    return save(app, ctx, product)


def remove_option(app: SalesApplication, cmd: RemoveOption, ctx: Context) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.remove_option(cmd.key)
    return save(app, ctx, product)


def add_rule(app: SalesApplication, cmd: AddRule, ctx: Context) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    option, other = product.model.option(cmd.option), product.model.option(cmd.other)
    if option is None or other is None:
        missing = cmd.option if option is None else cmd.other
        raise RuleBroken(f"no option {missing}", rule="unknown_option")
    message = cmd.message or default_message(cmd.kind, option, other)
    rule_id = cmd.rule_id or new_id()
    values = cmd.model_dump(include={"kind", "option", "other"})
    product.add_rule(Rule(rule_id=rule_id, message=message, **values))
    return save(app, ctx, product)


def remove_rule(app: SalesApplication, cmd: RemoveRule, ctx: Context) -> Outcome:
    product = load_product(app, cmd.product_id, ctx)
    product.remove_rule(cmd.rule_id)
    return save(app, ctx, product)
