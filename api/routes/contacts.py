"""``/contacts``: people at customers."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.duplicates import stored_duplicates, with_duplicates
from api.schemas.contacts import (
    ConsentIn,
    ContactCreatedOut,
    ContactIn,
    ContactOut,
    ContactOwnerIn,
    ContactPatch,
)
from api.writes import WRITE_ERRORS, AdminWriteDep, WriteDep, read_response
from commands import contacts as cmd
from commands import personal_data
from commands.base import Context, load
from domain.contact import Contact

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.post(
    "", status_code=201, response_model=ContactCreatedOut, responses=WRITE_ERRORS
)
def register_contact(
    body: ContactIn, w: WriteDep, container: ContainerDep
) -> JSONResponse:
    """Register a contact. Sending the same id and body again creates nothing.
    The answer lists the contacts it is likely to be (``likely_duplicates``)."""
    # The body was validated with the command's own types: not validated again.
    fields = {**dict(body), "emails": tuple(body.emails), "phones": tuple(body.phones)}
    command = cmd.RegisterContact.model_construct(**fields)
    answer = w.run(cmd.register_contact, command, ContactOut.of)
    created = ContactOut.model_validate_json(bytes(answer.body))
    found = stored_duplicates(container, created.id, created.position or 0)
    return with_duplicates(answer, found)


@router.get("/{contact_id}", response_model=ContactOut, responses={404: {}, 308: {}})
def get_contact(
    contact_id: UUID, _: Reader, container: ContainerDep
) -> JSONResponse | RedirectResponse:
    """The contact as it stands now, from the event store. A contact merged
    into another answers 308 to that one."""
    contact = load(container.app, Contact, contact_id, Context.anonymous())
    if contact.merged_into is not None:
        return RedirectResponse(f"/contacts/{contact.merged_into}", 308)
    return read_response(ContactOut.of(contact), contact.version)


@router.patch("/{contact_id}", response_model=ContactOut, responses=WRITE_ERRORS)
def change_contact(contact_id: UUID, body: ContactPatch, w: WriteDep) -> JSONResponse:
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeContactDetails(contact_id=contact_id, **fields)
    return w.run(cmd.change_contact_details, command, ContactOut.of)


@router.post("/{contact_id}/owner", response_model=ContactOut, responses=WRITE_ERRORS)
def assign_owner(contact_id: UUID, body: ContactOwnerIn, w: WriteDep) -> JSONResponse:
    command = cmd.AssignContactOwner(contact_id=contact_id, owner_id=body.owner_id)
    return w.run(cmd.assign_contact_owner, command, ContactOut.of)


@router.post("/{contact_id}/consent", response_model=ContactOut, responses=WRITE_ERRORS)
def set_consent(contact_id: UUID, body: ConsentIn, w: WriteDep) -> JSONResponse:
    command = cmd.SetContactConsent(contact_id=contact_id, **body.model_dump())
    return w.run(cmd.set_contact_consent, command, ContactOut.of)


@router.post("/{contact_id}/forget", response_model=ContactOut, responses=WRITE_ERRORS)
def forget_contact(contact_id: UUID, w: AdminWriteDep) -> JSONResponse:
    """Erase the contact's personal data, and that of the lead it was
    converted from, everywhere (admin only): their keys are destroyed and
    ``sfa.contact.forgotten.v1`` is recorded. Names, emails, phones, titles
    and notes then read as erased in every answer, view and export; the
    rest of the history stays. Forgetting again changes nothing. A
    forgotten contact changes no more (rule ``contact_forgotten``)."""
    command = personal_data.ForgetContact(contact_id=contact_id)
    return w.run(personal_data.forget_contact, command, ContactOut.of)
