"""Configurations: validate and price a selection of a product's options,
record it, and add it to an opportunity as a line item.

What must hold:
- A configuration is recorded only if its selection is valid for the
  product as it stands (every broken rule is reported at once: rule
  ``configuration_invalid``, with ``errors``), and records the product
  version and prices of that moment.
- A configured line is priced at its configuration's total, whatever the
  product's price is now, and only onto a deal in the same currency
  (``currency_mismatch``); its line names the configuration.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Outcome,
    chosen_or_new,
    load,
    load_for_write,
    referenced,
    repeat_of_creation,
    save,
)
from commands.configurator import Key
from commands.ids import new_id
from commands.opportunities import Quantity
from domain.base import RuleBroken
from domain.configuration import Configuration
from domain.line_items import LineItem
from domain.opportunity import Opportunity
from domain.product import Product

Selection = Annotated[list[Key], Field(max_length=200)]


class ConfigureProduct(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    product_id: UUID
    selection: Selection


class AddConfiguredLine(Command):
    opportunity_id: UUID
    configuration_id: UUID
    line_id: UUID | None = Field(default=None, description="client-chosen id")
    quantity: Quantity


def configure_product(
    app: SalesApplication, cmd: ConfigureProduct, ctx: Context
) -> Outcome:
    """Any writer may configure; the configuration is the caller's. An
    expected version (``If-Match``) is the product's: configuring against a
    product that changed since is refused (``StaleVersion``)."""
    configuration_id, found = chosen_or_new(app, cmd.id)
    if found is not None:
        fields = {"product_id": cmd.product_id, "selection": cmd.selection}
        fields["selection"] = list(dict.fromkeys(cmd.selection))
        return repeat_of_creation(app, found, Configuration, fields)
    product = load(app, Product, cmd.product_id, ctx)
    configuration = Configuration.make(
        configuration_id, product, cmd.selection, ctx.caller.rep_id
    )
    return save(app, ctx, configuration, created=True)


def add_configured_line(
    app: SalesApplication, cmd: AddConfiguredLine, ctx: Context
) -> Outcome:
    """The same line id and values again records nothing."""
    opportunity = load_for_write(
        app, Opportunity, cmd.opportunity_id, ctx, "an opportunity"
    )
    configuration = referenced(
        app, Configuration, cmd.configuration_id, "unknown_configuration"
    )
    if configuration.currency != opportunity.currency:
        msg = (
            f"the configuration is priced in {configuration.currency},"
            f" the deal in {opportunity.currency}"
        )
        raise RuleBroken(msg, rule="currency_mismatch")
    line = LineItem(
        line_id=cmd.line_id or new_id(),
        product=configuration.product_name,
        sku=configuration.sku,
        quantity=cmd.quantity,
        unit_price=configuration.total,
        configuration_id=configuration.id,
    )
    opportunity.add_line(line)
    return save(app, ctx, opportunity)
