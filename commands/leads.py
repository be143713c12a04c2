"""Lead commands: capture, change details, work, qualify, disqualify, score,
reassign, and convert.

What must hold:
- Emails are lower-case, phones E.164 and web domains bare hosts, exactly as
  for contacts and accounts, so that a lead and a contact or account can be
  matched on them; currencies are active ISO 4217 codes and money is
  ``Decimal`` (all from ``commands.normalise``).
- The source arrives as one object whose ``kind`` says which fields it has.
- An owner is an active rep (or nobody: a lead may be unowned).
- Converting records the lead's ``Converted``, the new contact, the new
  account (if one is opened) and the opportunity (if one is asked for) in ONE
  save: all of them or none. The created records are owned by the lead's
  owner, who must still be an active rep.
- The same conversion again (the lead converted, every id the command names
  the one recorded, the same opportunity) records nothing and answers as the
  first did; any other conversion of a converted lead is ``lead_converted``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commands.application import SalesApplication
from commands.base import (
    Context,
    IdReused,
    Outcome,
    StaleVersion,
    exists,
    load,
    repeat_of_creation,
    require_write,
    save,
)
from commands.normalise import Currency, Email, Money, Name, Phone, Text, WebDomain
from commands.opportunities import referenced
from commands.reps import ensure_active_rep
from domain.account import Account
from domain.base import RuleBroken
from domain.contact import Contact
from domain.lead import CONVERTED, Lead
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline

Score = Annotated[int, Field(ge=0, le=100)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


def check_conversion(conversion: Any) -> None:
    """``ValueError`` unless the conversion's fields fit together: an existing
    account or the id of a new one, not both; the opportunity fields only
    with ``create_opportunity``, and then ``currency`` and
    ``expected_close_date``. Shared by the command and the HTTP body."""
    if conversion.account_id is not None and conversion.new_account_id is not None:
        raise ValueError("give account_id or new_account_id, not both")
    given = [getattr(conversion, name) for name in OPPORTUNITY_FIELDS]
    if not conversion.create_opportunity and any(v is not None for v in given):
        raise ValueError("opportunity fields need create_opportunity: true")
    needed = (conversion.currency, conversion.expected_close_date)
    if conversion.create_opportunity and None in needed:
        raise ValueError("an opportunity needs currency and expected_close_date")


OPPORTUNITY_FIELDS = (
    "opportunity_id",
    "opportunity_name",
    "amount",
    "currency",
    "expected_close_date",
)


class ConvertLead(Command):
    """A qualified lead becomes a contact at an account, and optionally an
    opportunity in the default pipeline's first stage, all in one
    transaction. An offline client may choose the ids of what is created
    (``contact_id``, ``new_account_id``, ``opportunity_id``).

    The opportunity fields are given only with ``create_opportunity``, and then
    ``currency`` and ``expected_close_date`` are required (as for opening any
    opportunity); ``amount`` defaults to 0 and the name to the account's."""

    lead_id: UUID
    account_id: UUID | None = Field(
        default=None, description="an existing account; null: open one"
    )
    new_account_id: UUID | None = Field(
        default=None, description="id of the account to open (account_id null)"
    )
    contact_id: UUID | None = Field(default=None, description="id of the contact")
    create_opportunity: bool = False
    opportunity_id: UUID | None = None
    opportunity_name: Name | None = None
    amount: Money | None = None
    currency: Currency | None = None
    expected_close_date: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ConvertLead:
        check_conversion(self)
        return self


def capture_lead(app: SalesApplication, cmd: CaptureLead, ctx: Context) -> Outcome:
    lead_id = cmd.id or uuid4()
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
    lead = load(app, Lead, cmd.lead_id, ctx)
    require_write(ctx.caller, lead.owner_id, "a lead")
    lead.change_details(**cmd.model_dump(include=cmd.model_fields_set - {"lead_id"}))
    return save(app, ctx, lead)


def start_working_on_lead(
    app: SalesApplication, cmd: StartWorkingOnLead, ctx: Context
) -> Outcome:
    lead = load(app, Lead, cmd.lead_id, ctx)
    require_write(ctx.caller, lead.owner_id, "a lead")
    lead.start_working()
    return save(app, ctx, lead)


def qualify_lead(app: SalesApplication, cmd: QualifyLead, ctx: Context) -> Outcome:
    lead = load(app, Lead, cmd.lead_id, ctx)
    require_write(ctx.caller, lead.owner_id, "a lead")
    lead.qualify()
    return save(app, ctx, lead)


def disqualify_lead(
    app: SalesApplication, cmd: DisqualifyLead, ctx: Context
) -> Outcome:
    lead = load(app, Lead, cmd.lead_id, ctx)
    require_write(ctx.caller, lead.owner_id, "a lead")
    lead.disqualify(cmd.reason)
    return save(app, ctx, lead)


def change_lead_score(
    app: SalesApplication, cmd: ChangeLeadScore, ctx: Context
) -> Outcome:
    lead = load(app, Lead, cmd.lead_id, ctx)
    require_write(ctx.caller, lead.owner_id, "a lead")
    lead.change_score(cmd.score)
    return save(app, ctx, lead)


def assign_lead_owner(
    app: SalesApplication, cmd: AssignLeadOwner, ctx: Context
) -> Outcome:
    lead = load(app, Lead, cmd.lead_id, ctx)
    require_write(ctx.caller, lead.owner_id, "a lead")
    if cmd.owner_id != lead.owner_id:
        ensure_active_rep(app, cmd.owner_id)
    lead.assign_owner(cmd.owner_id)
    return save(app, ctx, lead)


def convert_lead(app: SalesApplication, cmd: ConvertLead, ctx: Context) -> Outcome:
    """Lead, contact, new account and opportunity in one save (module doc).
    If-Match names the lead's version; a repeat of the same conversion is
    answered whatever version it names, since it changes nothing."""
    lead = load(app, Lead, cmd.lead_id, replace(ctx, expected_version=None))
    require_write(ctx.caller, lead.owner_id, "a lead")
    if repeats_conversion(app, lead, cmd):
        return Outcome(lead, app.recorder.max_notification_id() or 0)
    if ctx.expected_version not in (None, lead.version):
        msg = f"version {ctx.expected_version} is stale: the lead is at {lead.version}"
        raise StaleVersion(msg)
    contact_id = cmd.contact_id or uuid4()
    account_id = cmd.account_id or cmd.new_account_id or uuid4()
    deal_id = (cmd.opportunity_id or uuid4()) if cmd.create_opportunity else None
    named = [lead.id, contact_id, account_id, *([deal_id] if deal_id else [])]
    if len(set(named)) < len(named):
        raise IdReused("the lead and each record it becomes need different ids")
    lead.convert(contact_id, account_id, deal_id)
    ensure_active_rep(app, lead.owner_id)
    account, opened = _account_for(app, lead, cmd.account_id, account_id)
    contact = _contact_for(app, lead, contact_id, account_id)
    deal = _opportunity_for(app, lead, cmd, account, contact_id, deal_id)
    created = [r for r in (contact, opened, deal) if r is not None]
    return save(app, ctx, lead, *created, created=True)


def repeats_conversion(app: SalesApplication, lead: Lead, cmd: ConvertLead) -> bool:
    """The lead was converted, every id the command names is the one
    recorded, and the opportunity asked for is the one opened then."""
    if lead.status != CONVERTED:
        return False
    named = [
        (cmd.contact_id, lead.contact_id),
        (cmd.account_id or cmd.new_account_id, lead.account_id),
        (cmd.opportunity_id, lead.opportunity_id),
    ]
    if any(given not in (None, recorded) for given, recorded in named):
        return False
    if cmd.create_opportunity != (lead.opportunity_id is not None):
        return False
    return lead.opportunity_id is None or _same_opening(app, lead.opportunity_id, cmd)


def _same_opening(app: SalesApplication, deal_id: UUID, cmd: ConvertLead) -> bool:
    opened = next(iter(app.events.get(deal_id, lte=1)), None)
    asked: dict[str, Any] = {
        "amount": cmd.amount or Decimal(0),
        "currency": cmd.currency,
        "expected_close_date": cmd.expected_close_date,
    }
    if cmd.opportunity_name is not None:
        asked["name"] = cmd.opportunity_name
    return all(getattr(opened, k, None) == v for k, v in asked.items())


def _required(value: str | None, rule: str, message: str) -> str:
    if not value:
        raise RuleBroken(message, rule=rule)
    return value


def _unused(app: SalesApplication, record_id: UUID) -> None:
    if exists(app, record_id) is not None:
        raise IdReused(f"id {record_id} already names a record")


def _account_for(
    app: SalesApplication, lead: Lead, existing: UUID | None, account_id: UUID
) -> tuple[Account, Account | None]:
    """The account the contact joins, and the same again if it is new."""
    if existing is not None:
        return referenced(app, Account, existing, "unknown_account"), None
    msg = "a lead without a company converts into an existing account_id"
    name = _required(lead.company_name, "convert_needs_account", msg)
    _unused(app, account_id)
    account = Account(
        id=account_id,
        name=name,
        web_domain=lead.web_domain,
        owner_id=lead.owner_id,
    )
    return account, account


def _contact_for(
    app: SalesApplication, lead: Lead, contact_id: UUID, account_id: UUID
) -> Contact:
    msg = "a lead becomes a contact: give it a given name first"
    given_name = _required(lead.given_name, "convert_needs_given_name", msg)
    msg = "a lead becomes a contact: give it a family name first"
    family_name = _required(lead.family_name, "convert_needs_family_name", msg)
    _unused(app, contact_id)
    return Contact(
        id=contact_id,
        given_name=given_name,
        family_name=family_name,
        emails=(lead.email,) if lead.email else (),
        phones=(lead.phone,) if lead.phone else (),
        title=lead.title,
        account_id=account_id,
        owner_id=lead.owner_id,
    )


def _opportunity_for(
    app: SalesApplication,
    lead: Lead,
    cmd: ConvertLead,
    account: Account,
    contact_id: UUID,
    deal_id: UUID | None,
) -> Opportunity | None:
    """In the default pipeline's first stage; named after the account unless
    the command names it."""
    if deal_id is None:
        return None
    _unused(app, deal_id)
    pipeline = referenced(app, Pipeline, DEFAULT_PIPELINE_ID, "unknown_pipeline")
    return Opportunity.open(
        deal_id,
        pipeline,
        pipeline.stages[0].key,
        account_id=account.id,
        name=cmd.opportunity_name or account.name,
        amount=cmd.amount or Decimal(0),
        currency=cmd.currency,
        expected_close_date=cmd.expected_close_date,
        primary_contact_id=contact_id,
        owner_id=lead.owner_id,
    )
