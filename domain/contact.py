"""Contact: a person at a customer, and every change to what we know of them.

What must hold:
- Emails arrive lower-case and phones in E.164 (the command layer normalises).
- Each kind of detail change is its own event carrying the old and the new
  value, so the history of every field is exact.
- A change that changes nothing records nothing.
- A forgotten contact (``Forgotten``: its personal data erased, see
  ``domain.personal``) changes no more and is not to be contacted.
- The postal address (``ADDRESS_PARTS``) is its own event, recorded with the
  registration when one is given.
- Merges (``domain.merging``): a merged contact is an alias of its survivor
  and records nothing else until unmerged.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.merging import Changes, Mergeable, apply_merged, apply_unmerged
from domain.personal import declare

ADDRESS_PARTS = ("street", "street2", "locality", "postcode", "region", "country")
Address = dict[str, str]
MERGED_FIELDS = (
    "given_name",
    "family_name",
    "emails",
    "phones",
    "title",
    "account_id",
    "owner_id",
    "department",
    "do_not_contact",
    "address",
)


class Contact(Mergeable, SalesAggregate):
    forgotten = False  # a class default: contacts recorded before it existed

    class Forgotten(SalesAggregate.Event):
        """The contact's personal data was erased (its keys destroyed), and
        that of the leads it was converted from (``lead_ids``)."""

        forgets: ClassVar[tuple[str, ...]] = ("lead_ids",)
        lead_ids: tuple[UUID, ...]

        def apply(self, aggregate: Any) -> None:
            aggregate.forgotten = True
            aggregate.do_not_contact = True

    def forget(self, lead_ids: tuple[UUID, ...]) -> None:
        """Once: forgetting a forgotten contact records nothing."""
        if not self.forgotten:
            self.trigger_event(self.Forgotten, lead_ids=tuple(lead_ids))

    def _require_remembered(self) -> None:
        msg = "the contact was forgotten: it changes no more"
        check(not self.forgotten, "contact_forgotten", msg)

    @event("Registered")
    def __init__(
        self,
        id: UUID,  # the library takes the aggregate id from this parameter
        given_name: str,
        family_name: str,
        emails: tuple[str, ...] = (),
        phones: tuple[str, ...] = (),
        title: str | None = None,
        account_id: UUID | None = None,
        owner_id: UUID | None = None,
        department: str | None = None,
        do_not_contact: bool = False,
    ) -> None:
        self.given_name = given_name
        self.family_name = family_name
        self.emails = tuple(emails)
        self.phones = tuple(phones)
        self.title = title
        self.account_id = account_id
        self.owner_id = owner_id
        self.department = department
        self.do_not_contact = do_not_contact
        self.address: Address | None = None
        self.merged_into: UUID | None = None
        self.merges: dict[str, Changes] = {}
        self.not_duplicates: tuple[UUID, ...] = ()

    def rename(self, given_name: str, family_name: str) -> None:
        self._require_remembered()
        if (given_name, family_name) != (self.given_name, self.family_name):
            self._renamed(
                old_given_name=self.given_name,
                old_family_name=self.family_name,
                given_name=given_name,
                family_name=family_name,
            )

    @event("Renamed")
    def _renamed(
        self,
        old_given_name: str,
        old_family_name: str,
        given_name: str,
        family_name: str,
    ) -> None:
        self.given_name = given_name
        self.family_name = family_name

    def change_emails(self, emails: tuple[str, ...]) -> None:
        self._require_remembered()
        if tuple(emails) != self.emails:
            self._emails_changed(old=self.emails, new=tuple(emails))

    @event("EmailsChanged")
    def _emails_changed(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        self.emails = tuple(new)

    def change_phones(self, phones: tuple[str, ...]) -> None:
        self._require_remembered()
        if tuple(phones) != self.phones:
            self._phones_changed(old=self.phones, new=tuple(phones))

    @event("PhonesChanged")
    def _phones_changed(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        self.phones = tuple(new)

    def change_title(self, title: str | None) -> None:
        self._require_remembered()
        if title != self.title:
            self._title_changed(old=self.title, new=title)

    @event("TitleChanged")
    def _title_changed(self, old: str | None, new: str | None) -> None:
        self.title = new

    def move_to_account(self, account_id: UUID | None) -> None:
        self._require_remembered()
        if account_id != self.account_id:
            self._account_changed(old=self.account_id, new=account_id)

    @event("AccountChanged")
    def _account_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.account_id = new

    def assign_department(self, department: str | None) -> None:
        self._require_remembered()
        if department != self.department:
            self._department_changed(old=self.department, new=department)

    @event("DepartmentChanged")
    def _department_changed(self, old: str | None, new: str | None) -> None:
        self.department = new

    def assign_owner(self, owner_id: UUID | None) -> None:
        self._require_remembered()
        if owner_id != self.owner_id:
            self._owner_changed(old=self.owner_id, new=owner_id)

    @event("OwnerChanged")
    def _owner_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.owner_id = new

    def set_consent(self, *, do_not_contact: bool, reason: str | None) -> None:
        self._require_remembered()
        check(
            not do_not_contact or bool(reason),
            "do_not_contact_needs_reason",
            "marking a contact do-not-contact needs a reason",
        )
        if do_not_contact != self.do_not_contact:
            self._consent_changed(
                old=self.do_not_contact, new=do_not_contact, reason=reason
            )

    @event("ConsentChanged")
    def _consent_changed(self, old: bool, new: bool, reason: str | None) -> None:
        self.do_not_contact = new

    def change_address(self, address: Address | None) -> None:
        self._require_remembered()
        if address != self.address:
            self._address_changed(old=self.address, new=address)

    @event("AddressChanged")
    def _address_changed(self, old: Address | None, new: Address | None) -> None:
        self.address = new

    @event("Merged")
    def _merged(self, survivor_id: UUID, duplicate_id: UUID, changes: Changes) -> None:
        apply_merged(self, survivor_id, duplicate_id, changes)

    @event("Unmerged")
    def _unmerged(
        self, survivor_id: UUID, duplicate_id: UUID, restored: Changes
    ) -> None:
        apply_unmerged(self, survivor_id, duplicate_id, restored)

    @event("NotDuplicateMarked")
    def _not_duplicate_marked(self, other_id: UUID, reason: str | None) -> None:
        self.not_duplicates = (*self.not_duplicates, other_id)


_NAMES = ("given_name", "family_name")
_DETAILS = ("emails", "phones", "title", "address")
_SIDES = ("old", "new")  # an address is erased part by part: it stays a dict
_ADDRESS = tuple(f"address.{part}" for part in ADDRESS_PARTS)
declare(
    Contact,
    Registered=(*_NAMES, "emails", "phones", "title"),
    Renamed=(*_NAMES, "old_given_name", "old_family_name"),
    EmailsChanged=("old", "new"),
    PhonesChanged=("old", "new"),
    TitleChanged=("old", "new"),
    ConsentChanged=("reason",),
    AddressChanged=tuple(f"{side}.{part}" for side in _SIDES for part in ADDRESS_PARTS),
    Merged=tuple(f"changes.{name}" for name in (*_NAMES, *_DETAILS)),
    Unmerged=tuple(f"restored.{name}" for name in (*_NAMES, *_DETAILS)),
    state=(*_NAMES, "emails", "phones", "title", *_ADDRESS),
)
