"""Forgetting a contact (or a lead never converted): its personal data
erased, its history kept.

What must hold:
- ``forget_contact`` destroys the keys of the contact and of every lead it
  was converted from, then records ``Contact.Forgotten`` naming those
  leads. Keys go first: if the event is not recorded (a crash, a concurrent
  change), the data is erased already and the same command again records
  the event. Forgetting a forgotten contact destroys nothing new, records
  nothing and answers as before.
- A lead counts as the contact's only if its history says it became that
  contact (the key table's link is written before the conversion commits).
- The contacts merged into it (its aliases) are the same person: they are
  forgotten with it, their leads too. An alias is not forgotten on its own
  (rule ``forget_the_survivor``).
- ``forget_lead`` does the same for a lead that never became a contact; a
  converted lead is forgotten with its contact (rule ``forget_the_contact``).
- The store's mapper does the erasing (``infra.personal_data``); a store
  without one (in-memory tests) records the event and erases nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol, cast
from uuid import UUID

from commands.application import SalesApplication
from commands.base import Command, Context, Outcome, exists, load, save
from domain.base import check
from domain.contact import Contact
from domain.lead import Lead


class Shredder(Protocol):
    """What the store's mapper offers for forgetting."""

    def joined_to(self, subject: UUID) -> list[UUID]: ...

    def forget_subjects(self, subjects: list[UUID]) -> None: ...


class ForgetContact(Command):
    contact_id: UUID


class ForgetLead(Command):
    lead_id: UUID


def shredder_of(app: SalesApplication) -> Shredder | None:
    mapper = app.mapper
    if hasattr(mapper, "joined_to") and hasattr(mapper, "forget_subjects"):
        return cast(Shredder, mapper)
    return None


def converted_leads(app: SalesApplication, contact_id: UUID) -> list[UUID]:
    """The leads whose conversion made this contact."""
    shredder = shredder_of(app)
    joined = shredder.joined_to(contact_id) if shredder else []
    leads = (exists(app, lead_id) for lead_id in joined)
    return [
        lead.id
        for lead in leads
        if isinstance(lead, Lead) and lead.contact_id == contact_id
    ]


def forget_contact(app: SalesApplication, cmd: ForgetContact, ctx: Context) -> Outcome:
    """The person: the contact, the contacts merged into it (its aliases)
    and the leads each was converted from. The answer holds the contact as
    it now reads: erased."""
    contact = load(app, Contact, cmd.contact_id, ctx)
    if contact.forgotten:
        return Outcome(contact, app.recorder.max_notification_id() or 0)
    check(
        contact.merged_into is None,
        "forget_the_survivor",
        f"{contact.id} is merged into {contact.merged_into}: forget that one"
        " (the records merged into it are forgotten with it)",
    )
    aliases = [exists(app, UUID(alias_id)) for alias_id in contact.merges]
    records = [contact, *(a for a in aliases if isinstance(a, Contact))]
    leads = {record.id: converted_leads(app, record.id) for record in records}
    shredder = shredder_of(app)
    if shredder is not None:
        subjects = [r.id for r in records] + [i for ids in leads.values() for i in ids]
        shredder.forget_subjects(subjects)
    for record in records:
        record.forget(tuple(leads[record.id]))
    outcome = save(app, ctx, *records)
    erased = load(app, Contact, contact.id, Context.anonymous())
    return replace(outcome, aggregate=erased)


def forget_lead(app: SalesApplication, cmd: ForgetLead, ctx: Context) -> Outcome:
    """A lead never converted (``Lead.forget``): its key, then ``Forgotten``.
    The answer holds the lead as it now reads: erased."""
    lead = load(app, Lead, cmd.lead_id, ctx)
    if lead.forgotten:
        return Outcome(lead, app.recorder.max_notification_id() or 0)
    lead.forget()  # refuses a converted lead before any key is destroyed
    shredder = shredder_of(app)
    if shredder is not None:
        shredder.forget_subjects([lead.id])
    outcome = save(app, ctx, lead)
    return replace(outcome, aggregate=load(app, Lead, lead.id, Context.anonymous()))
