"""Lead commands: capture, change details, work, qualify, disqualify, score,
and reassign (conversion: ``commands.lead_conversion``).

What must hold:
- Emails are lower-case, phones E.164 and web domains bare hosts, exactly as
  for contacts and accounts, so that a lead and a contact or account can be
  matched on them; currencies are active ISO 4217 codes and money is
  ``Decimal`` (all from ``commands.normalise``).
- The source arrives as one object whose ``kind`` says which fields it has.
- An owner is an active rep (or nobody: a lead may be unowned).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    Outcome,
    exists,
    load_for_write,
    repeat_of_creation,
    require_write,
    save,
)
from commands.ids import new_id
from commands.normalise import Currency, Email, Money, Name, Phone, Text, WebDomain
from commands.reps import ensure_active_rep
from domain.lead import Lead

Score = Annotated[int, Field(ge=0, le=100)]


class PurchasedList(Command):
    kind: Literal["purchased_list"]
    list_name: Name
    cost_per_lead: Money
    currency: Currency


class RelatedProductCustomer(Command):
    """A customer of a related product (ours or a partner's)."""

    kind: Literal["related_product_customer"]
    product: Name


class OtherSource(Command):
    kind: Literal["web", "referral", "event", "other"]


Source = Annotated[
    PurchasedList | RelatedProductCustomer | OtherSource, Field(discriminator="kind")
]


class CaptureLead(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    source: Source
    given_name: Name | None = None
    family_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    web_domain: WebDomain | None = None
    title: Text | None = None
    score: Score = 0
    owner_id: UUID | None = None

    def capture(self) -> dict[str, Any]:
        """The lead's fields, the source's spread flat."""
        fields = self.model_dump(exclude={"id", "source"})
        source = self.source.model_dump()
        fields["source"] = source.pop("kind")
        return {**dict.fromkeys(SOURCE_FIELDS), **fields, **source}


SOURCE_FIELDS = ("list_name", "cost_per_lead", "currency", "product")


class ChangeLeadDetails(Command):
    """Only the fields present change; ``null`` clears one."""

    lead_id: UUID
    given_name: Name | None = None
    family_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    web_domain: WebDomain | None = None
    title: Text | None = None


class StartWorkingOnLead(Command):
    """From ``new``; a ``disqualified`` lead is reopened."""

    lead_id: UUID


class QualifyLead(Command):
    lead_id: UUID


class DisqualifyLead(Command):
    lead_id: UUID
    reason: Text


class ChangeLeadScore(Command):
    lead_id: UUID
    score: Score


class AssignLeadOwner(Command):
    lead_id: UUID
    owner_id: UUID | None


def capture_lead(app: SalesApplication, cmd: CaptureLead, ctx: Context) -> Outcome:
    lead_id = cmd.id or new_id()
    fields = cmd.capture()
    if (found := exists(app, lead_id)) is not None:
        return repeat_of_creation(app, found, Lead, fields)
    require_write(ctx.caller, cmd.owner_id, "a lead")
    lead = Lead.capture(lead_id, **fields)
    ensure_active_rep(app, cmd.owner_id)
    return save(app, ctx, lead, created=True)


def change_lead_details(
    app: SalesApplication, cmd: ChangeLeadDetails, ctx: Context
) -> Outcome:
    lead = load_for_write(app, Lead, cmd.lead_id, ctx, "a lead")
    lead.change_details(**cmd.model_dump(include=cmd.model_fields_set - {"lead_id"}))
    return save(app, ctx, lead)


def start_working_on_lead(
    app: SalesApplication, cmd: StartWorkingOnLead, ctx: Context
) -> Outcome:
    lead = load_for_write(app, Lead, cmd.lead_id, ctx, "a lead")
    lead.start_working()
    return save(app, ctx, lead)


def qualify_lead(app: SalesApplication, cmd: QualifyLead, ctx: Context) -> Outcome:
    lead = load_for_write(app, Lead, cmd.lead_id, ctx, "a lead")
    lead.qualify()
    return save(app, ctx, lead)


def disqualify_lead(
    app: SalesApplication, cmd: DisqualifyLead, ctx: Context
) -> Outcome:
    lead = load_for_write(app, Lead, cmd.lead_id, ctx, "a lead")
    lead.disqualify(cmd.reason)
    return save(app, ctx, lead)


def change_lead_score(
    app: SalesApplication, cmd: ChangeLeadScore, ctx: Context
) -> Outcome:
    lead = load_for_write(app, Lead, cmd.lead_id, ctx, "a lead")
    lead.change_score(cmd.score)
    return save(app, ctx, lead)


def assign_lead_owner(
    app: SalesApplication, cmd: AssignLeadOwner, ctx: Context
) -> Outcome:
    lead = load_for_write(app, Lead, cmd.lead_id, ctx, "a lead")
    if cmd.owner_id != lead.owner_id:
        ensure_active_rep(app, cmd.owner_id)
    lead.assign_owner(cmd.owner_id)
    return save(app, ctx, lead)
