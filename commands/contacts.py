"""Contact commands: register, change details, reassign, record consent."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from commands.application import SalesApplication
from commands.base import (
    Command,
    Context,
    IdReused,
    Outcome,
    chosen_or_new,
    load_for_write,
    repeat_of_creation,
    require_write,
    save,
)
from commands.normalise import Email, Name, Phone, PostalAddress, Text
from commands.reps import ensure_active_rep
from domain.contact import Contact


class RegisterContact(Command):
    id: UUID | None = Field(default=None, description="client-chosen id (offline)")
    given_name: Name
    family_name: Name
    emails: tuple[Email, ...] = ()
    phones: tuple[Phone, ...] = ()
    title: Text | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = None
    department: Text | None = None
    do_not_contact: bool = False
    address: PostalAddress | None = None

    def registration(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id", "address"})


class ChangeContactDetails(Command):
    """Only the fields present change; ``null`` clears an optional field."""

    contact_id: UUID
    given_name: Name | None = None
    family_name: Name | None = None
    emails: tuple[Email, ...] | None = None
    phones: tuple[Phone, ...] | None = None
    title: Text | None = None
    account_id: UUID | None = None
    department: Text | None = None
    address: PostalAddress | None = None


class AssignContactOwner(Command):
    contact_id: UUID
    owner_id: UUID | None


class SetContactConsent(Command):
    contact_id: UUID
    do_not_contact: bool
    reason: Text | None = None


def register_contact(
    app: SalesApplication, cmd: RegisterContact, ctx: Context
) -> Outcome:
    contact_id, found = chosen_or_new(app, cmd.id)
    if found is not None:
        if registered_address(app, contact_id) != _parts(cmd.address):
            raise IdReused(f"id {contact_id} already names a different record")
        return repeat_of_creation(app, found, Contact, cmd.registration())
    require_write(ctx.caller, cmd.owner_id, "a contact")
    ensure_active_rep(app, cmd.owner_id)
    contact = Contact(id=contact_id, **cmd.registration())
    contact.change_address(_parts(cmd.address))
    return save(app, ctx, contact, created=True)


def _parts(address: PostalAddress | None) -> dict[str, str] | None:
    return address.parts() if address is not None else None


def registered_address(app: SalesApplication, contact_id: UUID) -> Any:
    """The address recorded with the registration (its second event), if any."""
    second = list(app.events.get(contact_id, gt=1, lte=2))
    if second and type(second[0]).__name__ == "AddressChanged":
        return getattr(second[0], "new", None)
    return None


def change_contact_details(
    app: SalesApplication, cmd: ChangeContactDetails, ctx: Context
) -> Outcome:
    contact = load_for_write(app, Contact, cmd.contact_id, ctx, "a contact")
    given = cmd.model_fields_set
    if {"given_name", "family_name"} & given:
        contact.rename(
            cmd.given_name or contact.given_name,
            cmd.family_name or contact.family_name,
        )
    if "emails" in given:
        contact.change_emails(cmd.emails or ())
    if "phones" in given:
        contact.change_phones(cmd.phones or ())
    if "title" in given:
        contact.change_title(cmd.title)
    if "account_id" in given:
        contact.move_to_account(cmd.account_id)
    if "department" in given:
        contact.assign_department(cmd.department)
    if "address" in given:
        contact.change_address(_parts(cmd.address))
    return save(app, ctx, contact)


def assign_contact_owner(
    app: SalesApplication, cmd: AssignContactOwner, ctx: Context
) -> Outcome:
    contact = load_for_write(app, Contact, cmd.contact_id, ctx, "a contact")
    ensure_active_rep(app, cmd.owner_id)
    contact.assign_owner(cmd.owner_id)
    return save(app, ctx, contact)


def set_contact_consent(
    app: SalesApplication, cmd: SetContactConsent, ctx: Context
) -> Outcome:
    contact = load_for_write(app, Contact, cmd.contact_id, ctx, "a contact")
    contact.set_consent(do_not_contact=cmd.do_not_contact, reason=cmd.reason)
    return save(app, ctx, contact)
