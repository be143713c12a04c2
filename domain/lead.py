"""Lead: a prospect not yet qualified, where it came from, and how far it got.

What must hold:
- A lead names a person (family name), a company or an email.
- ``source`` is one of ``SOURCES``; a ``purchased_list`` lead carries the list
  name and the cost per lead (``Decimal`` with an ISO 4217 currency); a
  ``related_product_customer`` lead carries the product; other sources carry
  neither. The source is a fact of capture and never changes.
- Status moves only along these lines::

      new ─work─> working ─qualify─> qualified ─convert─> converted
       └───────────qualify──────────────^
      new, working, qualified ─disqualify(reason)─> disqualified
      disqualified ─work─> working  (Reopened)

  Only a *qualified* lead converts: qualifying is the checkpoint that decides
  a prospect is worth a contact, an account and a pipeline entry, so a
  ``working`` lead is qualified first (the command may do both in one save).
  It becomes a contact, so it needs a family and a given name by then.
- ``converted`` is final: nothing about a converted lead changes any more.
- Disqualifying needs a reason; the score is 0..100.
- Each kind of change is its own event carrying the old and the new value; a
  change that changes nothing records nothing.
- A forgotten lead (``Forgotten``: its personal data erased, see
  ``domain.personal``) changes no more; a converted one is forgotten with
  the contact it became, not on its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.lead_rules import SOURCES as SOURCES
from domain.lead_rules import check_identity, check_score, check_source
from domain.personal import declare

NEW, WORKING, QUALIFIED = "new", "working", "qualified"
DISQUALIFIED, CONVERTED = "disqualified", "converted"
_PERSON = ("given_name", "family_name", "email", "phone", "title")
DETAILS = (*_PERSON, "company_name", "web_domain")


class Lead(SalesAggregate):
    forgotten = False  # a class default: leads recorded before it existed

    class Forgotten(SalesAggregate.Event):
        """The lead's personal data was erased (its key destroyed)."""

        forgets: ClassVar[tuple[str, ...]] = ()

        def apply(self, aggregate: Any) -> None:
            aggregate.forgotten = True

    def forget(self) -> None:
        """Once. A converted lead is forgotten with the contact it became."""
        msg = "a converted lead is forgotten with its contact: forget that one"
        check(self.status != CONVERTED, "forget_the_contact", msg)
        if not self.forgotten:
            self.trigger_event(self.Forgotten)

    @event("Captured")
    def __init__(
        self,
        id: UUID,  # the library takes the aggregate id from this parameter
        source: str,
        given_name: str | None = None,
        family_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        company_name: str | None = None,
        web_domain: str | None = None,
        title: str | None = None,
        list_name: str | None = None,
        cost_per_lead: Decimal | None = None,
        currency: str | None = None,
        product: str | None = None,
        score: int = 0,
        owner_id: UUID | None = None,
    ) -> None:
        self.source = source
        self.given_name = given_name
        self.family_name = family_name
        self.email = email
        self.phone = phone
        self.company_name = company_name
        self.web_domain = web_domain
        self.title = title
        self.list_name = list_name
        self.cost_per_lead = cost_per_lead
        self.currency = currency
        self.product = product
        self.score = score
        self.owner_id = owner_id
        self.status = NEW
        self.disqualify_reason: str | None = None
        self.contact_id: UUID | None = None
        self.account_id: UUID | None = None
        self.opportunity_id: UUID | None = None

    @classmethod
    def capture(cls, id: UUID, **fields: Any) -> Lead:
        """A new lead; ``fields`` are the ``__init__`` fields."""
        check_identity(fields)
        source_fields = ("list_name", "cost_per_lead", "currency", "product")
        check_source(fields["source"], **{k: fields.get(k) for k in source_fields})
        check_score(fields.get("score", 0))
        return cls(id=id, **fields)

    def details(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DETAILS}

    def _require_open(self) -> None:
        msg = "a converted lead does not change any more"
        check(self.status != CONVERTED, "lead_converted", msg)
        msg = "the lead was forgotten: it changes no more"
        check(not self.forgotten, "lead_forgotten", msg)

    def change_details(self, **changes: Any) -> None:
        """Only the named ``DETAILS`` change; the lead keeps an identity."""
        self._require_open()
        unknown = set(changes) - set(DETAILS)
        check(not unknown, "unknown_lead_detail", f"no lead details {unknown}")
        check_identity(self.details() | changes)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            old = {k: getattr(self, k) for k in changed}
            self._details_changed(old=old, new=changed)

    @event("DetailsChanged")
    def _details_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for name, value in new.items():
            setattr(self, name, value)

    def start_working(self) -> None:
        """From ``new``: work starts; from ``disqualified``: the lead reopens."""
        self._require_open()
        msg = "a qualified lead is converted or disqualified, not worked again"
        check(self.status != QUALIFIED, "lead_already_qualified", msg)
        if self.status == NEW:
            self._working_started()
        elif self.status == DISQUALIFIED:
            self._reopened(reason=self.disqualify_reason)

    @event("WorkingStarted")
    def _working_started(self) -> None:
        self.status = WORKING

    @event("Reopened")
    def _reopened(self, reason: str | None) -> None:
        """``reason`` is the disqualification being undone."""
        self.status = WORKING
        self.disqualify_reason = None

    def qualify(self) -> None:
        self._require_open()
        msg = "a disqualified lead is reopened (worked) before it is qualified"
        check(self.status != DISQUALIFIED, "lead_disqualified", msg)
        if self.status != QUALIFIED:
            self._qualified(previous=self.status)

    @event("Qualified")
    def _qualified(self, previous: str) -> None:
        self.status = QUALIFIED

    def disqualify(self, reason: str) -> None:
        self._require_open()
        msg = "disqualifying a lead needs a reason"
        check(bool(reason and reason.strip()), "disqualify_needs_reason", msg)
        if self.status == DISQUALIFIED:
            msg = f"the lead is already disqualified: {self.disqualify_reason}"
            same = reason == self.disqualify_reason
            check(same, "lead_already_disqualified", msg)
            return
        self._disqualified(previous=self.status, reason=reason)

    @event("Disqualified")
    def _disqualified(self, previous: str, reason: str) -> None:
        self.status = DISQUALIFIED
        self.disqualify_reason = reason

    def change_score(self, score: int) -> None:
        self._require_open()
        check_score(score)
        if score != self.score:
            self._score_changed(old=self.score, new=score)

    @event("ScoreChanged")
    def _score_changed(self, old: int, new: int) -> None:
        self.score = new

    def assign_owner(self, owner_id: UUID | None) -> None:
        self._require_open()
        if owner_id != self.owner_id:
            self._owner_changed(old=self.owner_id, new=owner_id)

    @event("OwnerChanged")
    def _owner_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.owner_id = new

    def convert(
        self, contact_id: UUID, account_id: UUID, opportunity_id: UUID | None
    ) -> None:
        """The lead became this contact at this account (and, optionally, this
        opportunity); the command creates those records in the same save."""
        self._require_open()
        msg = f"only a qualified lead converts; this one is {self.status}"
        check(self.status == QUALIFIED, "lead_not_qualified", msg)
        msg = "a lead becomes a contact: give it a family name first"
        check(bool(self.family_name), "convert_needs_family_name", msg)
        msg = "a lead becomes a contact: give it a given name first"
        check(bool(self.given_name), "convert_needs_given_name", msg)
        self._converted(
            contact_id=contact_id, account_id=account_id, opportunity_id=opportunity_id
        )

    @event("Converted")
    def _converted(
        self, contact_id: UUID, account_id: UUID, opportunity_id: UUID | None
    ) -> None:
        self.status = CONVERTED
        self.contact_id = contact_id
        self.account_id = account_id
        self.opportunity_id = opportunity_id


_CHANGED = tuple(f"{side}.{name}" for side in ("old", "new") for name in _PERSON)
declare(
    Lead,
    joins={"Converted": "contact_id"},
    Captured=_PERSON,
    DetailsChanged=_CHANGED,
    Disqualified=("reason",),
    Reopened=("reason",),
    state=(*_PERSON, "disqualify_reason"),
)
