"""Lead conversion: a qualified lead becomes a contact at an account, and
optionally an opportunity.

What must hold:
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
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    IdReused,
    Outcome,
    StaleVersion,
    ensure_unused,
    load_for_write,
    referenced,
    save,
)
from commands.ids import new_id
from commands.normalise import Currency, Money, Name
from commands.reps import ensure_active_rep
from domain.account import Account
from domain.base import RuleBroken
from domain.contact import Contact
from domain.lead import CONVERTED, Lead
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline

OPPORTUNITY_FIELDS = (
    "opportunity_id",
    "opportunity_name",
    "amount",
    "currency",
    "expected_close_date",
)


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


def convert_lead(app: SalesApplication, cmd: ConvertLead, ctx: Context) -> Outcome:
    """Lead, contact, new account and opportunity in one save (module doc).
    If-Match names the lead's version; a repeat of the same conversion is
    answered whatever version it names, since it changes nothing."""
    unchecked = replace(ctx, expected_version=None)
    lead = load_for_write(app, Lead, cmd.lead_id, unchecked, "a lead")
    if repeats_conversion(app, lead, cmd):
        return Outcome(lead, app.recorder.max_notification_id() or 0)
    if ctx.expected_version not in (None, lead.version):
        msg = f"version {ctx.expected_version} is stale: the lead is at {lead.version}"
        raise StaleVersion(msg)
    contact_id = cmd.contact_id or new_id()
    account_id = cmd.account_id or cmd.new_account_id or new_id()
    deal_id = (cmd.opportunity_id or new_id()) if cmd.create_opportunity else None
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


def _account_for(
    app: SalesApplication, lead: Lead, existing: UUID | None, account_id: UUID
) -> tuple[Account, Account | None]:
    """The account the contact joins, and the same again if it is new."""
    if existing is not None:
        return referenced(app, Account, existing, "unknown_account"), None
    if not lead.company_name:
        msg = "a lead without a company converts into an existing account_id"
        raise RuleBroken(msg, rule="convert_needs_account")
    ensure_unused(app, account_id)
    account = Account(
        id=account_id,
        name=lead.company_name,
        web_domain=lead.web_domain,
        owner_id=lead.owner_id,
    )
    return account, account


def _contact_for(
    app: SalesApplication, lead: Lead, contact_id: UUID, account_id: UUID
) -> Contact:
    """The lead as a contact; ``Lead.convert`` saw both its names."""
    assert lead.given_name and lead.family_name
    ensure_unused(app, contact_id)
    return Contact(
        id=contact_id,
        given_name=lead.given_name,
        family_name=lead.family_name,
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
    ensure_unused(app, deal_id)
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
