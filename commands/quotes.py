"""Quote commands: draft a quote from an opportunity, and edit its lines
and validity while it is a draft.

What must hold:
- A quote is drafted for an open opportunity (``opportunity_closed``), in
  its currency, owned by its owner; the caller must be allowed to change
  that deal. It records the approval threshold in force
  (``QuotePolicy``; 10 % if none was recorded).
- ``copy_lines`` starts it with the deal's line items (configured ones keep
  their configuration); a line added later is a product (priced at its list
  price now; it must be active) or a configuration (priced at its total);
  either must be in the quote's currency (``currency_mismatch``).
- The quote is changed by whoever may change its owner's records.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Outcome,
    chosen_or_new,
    exists,
    load_for_write,
    referenced,
    repeat_of_creation,
    require_write,
    save,
)
from commands.ids import new_id
from commands.normalise import plain
from commands.opportunities import Quantity
from domain.base import RuleBroken, check
from domain.configuration import Configuration
from domain.opportunity import Opportunity
from domain.product import ACTIVE, Product
from domain.quote import Quote
from domain.quote_lines import QuoteLine
from domain.quote_policy import DEFAULT_THRESHOLD, QUOTE_POLICY_ID, QuotePolicy

Percent = Annotated[
    Decimal, Field(ge=0, le=100, decimal_places=2), AfterValidator(plain)
]
WHAT = "a quote"


def today() -> date:
    return datetime.now(UTC).date()


class DraftQuote(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    opportunity_id: UUID
    valid_until: date
    copy_lines: bool = Field(default=True, description="start with the deal's lines")


class AddQuoteLine(Command):
    """Exactly one of ``product_id`` and ``configuration_id``."""

    quote_id: UUID
    line_id: UUID | None = Field(default=None, description="client-chosen id")
    product_id: UUID | None = None
    configuration_id: UUID | None = None
    quantity: Quantity
    discount_percent: Percent = Decimal(0)

    @model_validator(mode="after")
    def _one_source(self) -> AddQuoteLine:
        if (self.product_id is None) == (self.configuration_id is None):
            raise ValueError("give either product_id or configuration_id")
        return self


class ChangeQuoteLine(Command):
    quote_id: UUID
    line_id: UUID
    quantity: Quantity | None = None
    discount_percent: Percent | None = None


class RemoveQuoteLine(Command):
    quote_id: UUID
    line_id: UUID


class ChangeQuoteValidity(Command):
    quote_id: UUID
    valid_until: date


def threshold(app: SalesApplication) -> Decimal:
    policy = exists(app, QUOTE_POLICY_ID)
    if isinstance(policy, QuotePolicy):
        return policy.approval_threshold
    return DEFAULT_THRESHOLD


def deal_lines(opportunity: Opportunity) -> list[QuoteLine]:
    return [
        QuoteLine(
            line_id=new_id(),
            product=line.product,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=line.unit_price,
            configuration_id=line.configuration_id,
        )
        for line in opportunity.lines
    ]


def draft_quote(app: SalesApplication, cmd: DraftQuote, ctx: Context) -> Outcome:
    quote_id, found = chosen_or_new(app, cmd.id)
    if found is not None:
        fields = {"opportunity_id": cmd.opportunity_id, "valid_until": cmd.valid_until}
        return repeat_of_creation(app, found, Quote, fields)
    deal = referenced(app, Opportunity, cmd.opportunity_id, "unknown_opportunity")
    check(deal.is_open, "opportunity_closed", f"the deal is {deal.status}")
    require_write(ctx.caller, deal.owner_id, "a deal")
    quote = Quote.draft(
        quote_id,
        deal_lines(deal) if cmd.copy_lines else [],
        opportunity_id=deal.id,
        account_id=deal.account_id,
        owner_id=deal.owner_id,
        currency=deal.currency,
        valid_until=cmd.valid_until,
        approval_threshold=threshold(app),
    )
    return save(app, ctx, quote, created=True)


def load_quote(app: SalesApplication, quote_id: UUID, ctx: Context) -> Quote:
    return load_for_write(app, Quote, quote_id, ctx, WHAT)


def priced_line(app: SalesApplication, cmd: AddQuoteLine, currency: str) -> QuoteLine:
    """The line ``cmd`` names, at the price of its product or configuration."""
    values: dict[str, Any] = {
        "line_id": cmd.line_id or new_id(),
        "quantity": cmd.quantity,
        "discount_percent": cmd.discount_percent,
    }
    if cmd.configuration_id is not None:
        made = referenced(
            app, Configuration, cmd.configuration_id, "unknown_configuration"
        )
        source = (made.currency, made.product_name, made.sku, made.total)
        values |= {"product_id": made.product_id, "configuration_id": made.id}
    else:
        assert cmd.product_id is not None
        product = referenced(app, Product, cmd.product_id, "unknown_product")
        check(product.status == ACTIVE, "product_retired", "the product is retired")
        source = (product.currency, product.name, product.sku, product.list_price)
        values |= {"product_id": product.id}
    if source[0] != currency:
        msg = f"priced in {source[0]}, the quote in {currency}"
        raise RuleBroken(msg, rule="currency_mismatch")
    return QuoteLine(product=source[1], sku=source[2], unit_price=source[3], **values)


def add_quote_line(app: SalesApplication, cmd: AddQuoteLine, ctx: Context) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.add_line(priced_line(app, cmd, quote.currency))
    return save(app, ctx, quote)


def change_quote_line(
    app: SalesApplication, cmd: ChangeQuoteLine, ctx: Context
) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    changes = cmd.model_dump(
        include={"quantity", "discount_percent"}, exclude_none=True
    )
    quote.change_line(cmd.line_id, **changes)
    return save(app, ctx, quote)


def remove_quote_line(
    app: SalesApplication, cmd: RemoveQuoteLine, ctx: Context
) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.remove_line(cmd.line_id)
    return save(app, ctx, quote)


def change_quote_validity(
    app: SalesApplication, cmd: ChangeQuoteValidity, ctx: Context
) -> Outcome:
    quote = load_quote(app, cmd.quote_id, ctx)
    quote.change_validity(cmd.valid_until)
    return save(app, ctx, quote)
