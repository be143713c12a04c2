"""Opportunity commands: open, change, advance, win, lose, reopen, line items.

What must hold:
- The account, the primary contact (if any) and the pipeline named when
  opening exist (rules ``unknown_account``, ``unknown_contact``,
  ``unknown_pipeline``, each a 422); a primary contact that belongs to an
  account belongs to the opportunity's (``contact_of_another_account``).
- An owner, when there is one, is an active rep (``owner_must_be_active_rep``).
- A stage named by a command exists in the opportunity's pipeline as it
  stands when the command runs (the handler loads the pipeline).
- Currencies are active ISO 4217 codes; money is ``Decimal`` with at most 4
  decimal places, never negative (``commands.normalise``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Loaded,
    Outcome,
    chosen_or_new,
    load_for_write,
    load_many,
    referenced,
    repeat_of_creation,
    require_write,
    save,
)
from commands.ids import new_id
from commands.normalise import Currency, Money, Name, Text, plain
from commands.pipelines import StageKey
from commands.reps import ensure_active_rep
from commands.write_cache import borrow
from domain.account import Account
from domain.base import RuleBroken
from domain.contact import Contact
from domain.line_items import LineItem
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline

Quantity = Annotated[
    Decimal, Field(gt=0, max_digits=12, decimal_places=4), AfterValidator(plain)
]
Product = Name  # free text, constrained as a name is


class OpenOpportunity(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    account_id: UUID
    primary_contact_id: UUID | None = None
    owner_id: UUID | None = None
    name: Name
    amount: Money = Decimal(0)
    currency: Currency
    expected_close_date: date
    pipeline_id: UUID = DEFAULT_PIPELINE_ID
    stage: StageKey | None = Field(default=None, description="default: the first")

    def opening(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id", "pipeline_id", "stage"})


class ChangeOpportunityDetails(Command):
    """Only the fields present change; ``null`` clears the primary contact and
    leaves the other fields as they are."""

    opportunity_id: UUID
    name: Name | None = None
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None
    primary_contact_id: UUID | None = None


class AssignOpportunityOwner(Command):
    opportunity_id: UUID
    owner_id: UUID | None


class AdvanceStage(Command):
    opportunity_id: UUID
    stage: StageKey


class WinOpportunity(Command):
    opportunity_id: UUID


class LoseOpportunity(Command):
    opportunity_id: UUID
    reason: Annotated[Text, StringConstraints(min_length=1)]


class ReopenOpportunity(Command):
    opportunity_id: UUID
    stage: StageKey | None = Field(default=None, description="default: the last")


class AddLineItem(Command):
    opportunity_id: UUID
    line_id: UUID | None = Field(default=None, description="client-chosen id")
    product: Product
    sku: Product | None = None
    quantity: Quantity
    unit_price: Money


class ChangeLineItem(Command):
    """Only the fields present change; ``sku: null`` clears the SKU."""

    opportunity_id: UUID
    line_id: UUID
    product: Product | None = None
    sku: Product | None = None
    quantity: Quantity | None = None
    unit_price: Money | None = None


class RemoveLineItem(Command):
    opportunity_id: UUID
    line_id: UUID


def check_contact(
    app: SalesApplication, contact_id: UUID | None, account: UUID
) -> None:
    if contact_id is None:
        return
    contact = referenced(app, Contact, contact_id, "unknown_contact")
    if contact.account_id not in (None, account):
        msg = f"contact {contact_id} belongs to another account"
        raise RuleBroken(msg, rule="contact_of_another_account")


def open_opportunity(
    app: SalesApplication, cmd: OpenOpportunity, ctx: Context
) -> Outcome:
    opportunity_id, found = chosen_or_new(app, cmd.id)
    if found is not None:
        given = {"pipeline_id": cmd.pipeline_id, "stage": cmd.stage}
        fields = {**cmd.opening(), **{k: v for k, v in given.items() if v}}
        return repeat_of_creation(app, found, Opportunity, fields)
    require_write(ctx.caller, cmd.owner_id, "an opportunity")
    ensure_active_rep(app, cmd.owner_id)
    referenced(app, Account, cmd.account_id, "unknown_account")
    check_contact(app, cmd.primary_contact_id, cmd.account_id)
    pipeline = referenced(app, Pipeline, cmd.pipeline_id, "unknown_pipeline")
    stage = cmd.stage or pipeline.stages[0].key
    opportunity = Opportunity.open(opportunity_id, pipeline, stage, **cmd.opening())
    return save(app, ctx, opportunity, created=True)


def _load(
    app: SalesApplication,
    opportunity_id: UUID,
    ctx: Context,
    loaded: Loaded | None = None,
) -> Opportunity:
    what = "an opportunity"
    return load_for_write(app, Opportunity, opportunity_id, ctx, what, loaded)


def _pipeline_of(
    app: SalesApplication, opportunity: Opportunity, loaded: Loaded | None = None
) -> Pipeline:
    pipeline_id = opportunity.pipeline_id
    return referenced(app, Pipeline, pipeline_id, "unknown_pipeline", loaded)


def _with_pipeline(
    app: SalesApplication, opportunity_id: UUID, ctx: Context
) -> tuple[Opportunity, Pipeline]:
    """The opportunity and its pipeline. Most deals are in the default
    pipeline, so it is read with the opportunity (one round trip); another
    pipeline is read after."""
    lent = borrow(opportunity_id)  # a copy it changes: read only the pipeline
    loaded = load_many(app, (None if lent else opportunity_id, DEFAULT_PIPELINE_ID))
    if lent is not None:
        loaded[opportunity_id] = lent
    opportunity = _load(app, opportunity_id, ctx, loaded)
    return opportunity, _pipeline_of(app, opportunity, loaded)


def change_opportunity_details(
    app: SalesApplication, cmd: ChangeOpportunityDetails, ctx: Context
) -> Outcome:
    opportunity = _load(app, cmd.opportunity_id, ctx)
    if cmd.name is not None:
        opportunity.rename(cmd.name)
    if cmd.amount is not None or cmd.currency is not None:
        opportunity.change_amount(
            opportunity.amount if cmd.amount is None else cmd.amount,
            cmd.currency or opportunity.currency,
        )
    if cmd.expected_close_date is not None:
        opportunity.change_close_date(cmd.expected_close_date)
    if "primary_contact_id" in cmd.model_fields_set:
        if cmd.primary_contact_id != opportunity.primary_contact_id:
            check_contact(app, cmd.primary_contact_id, opportunity.account_id)
        opportunity.change_primary_contact(cmd.primary_contact_id)
    return save(app, ctx, opportunity)


def assign_opportunity_owner(
    app: SalesApplication, cmd: AssignOpportunityOwner, ctx: Context
) -> Outcome:
    opportunity = _load(app, cmd.opportunity_id, ctx)
    if cmd.owner_id != opportunity.owner_id:
        ensure_active_rep(app, cmd.owner_id)
    opportunity.assign_owner(cmd.owner_id)
    return save(app, ctx, opportunity)


def advance_stage(app: SalesApplication, cmd: AdvanceStage, ctx: Context) -> Outcome:
    opportunity, pipeline = _with_pipeline(app, cmd.opportunity_id, ctx)
    opportunity.move_to(pipeline, cmd.stage)
    return save(app, ctx, opportunity)


def win_opportunity(
    app: SalesApplication, cmd: WinOpportunity, ctx: Context
) -> Outcome:
    opportunity = _load(app, cmd.opportunity_id, ctx)
    opportunity.win()
    return save(app, ctx, opportunity)


def lose_opportunity(
    app: SalesApplication, cmd: LoseOpportunity, ctx: Context
) -> Outcome:
    opportunity = _load(app, cmd.opportunity_id, ctx)
    opportunity.lose(cmd.reason)
    return save(app, ctx, opportunity)


def reopen_opportunity(
    app: SalesApplication, cmd: ReopenOpportunity, ctx: Context
) -> Outcome:
    opportunity, pipeline = _with_pipeline(app, cmd.opportunity_id, ctx)
    opportunity.reopen(pipeline, cmd.stage)
    return save(app, ctx, opportunity)


def add_line_item(app: SalesApplication, cmd: AddLineItem, ctx: Context) -> Outcome:
    """The same line id with the same values again records nothing."""
    opportunity = _load(app, cmd.opportunity_id, ctx)
    line_id = cmd.line_id or new_id()
    values = cmd.model_dump(include={"product", "sku", "quantity", "unit_price"})
    opportunity.add_line(LineItem(line_id=line_id, **values))
    return save(app, ctx, opportunity)


def change_line_item(
    app: SalesApplication, cmd: ChangeLineItem, ctx: Context
) -> Outcome:
    opportunity = _load(app, cmd.opportunity_id, ctx)
    given = cmd.model_fields_set - {"opportunity_id", "line_id"}
    changes = {k: getattr(cmd, k) for k in given}
    if any(v is None for k, v in changes.items() if k != "sku"):
        raise RuleBroken("only sku may be cleared", rule="line_value_required")
    opportunity.change_line(cmd.line_id, **changes)
    return save(app, ctx, opportunity)


def remove_line_item(
    app: SalesApplication, cmd: RemoveLineItem, ctx: Context
) -> Outcome:
    opportunity = _load(app, cmd.opportunity_id, ctx)
    opportunity.remove_line(cmd.line_id)
    return save(app, ctx, opportunity)
