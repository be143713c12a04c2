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
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.personal import declare

PURCHASED_LIST = "purchased_list"
RELATED_PRODUCT_CUSTOMER = "related_product_customer"
_PLAIN_SOURCES = ("web", "referral", "event", "other")
SOURCES = (PURCHASED_LIST, RELATED_PRODUCT_CUSTOMER, *_PLAIN_SOURCES)
NEW, WORKING, QUALIFIED = "new", "working", "qualified"
DISQUALIFIED, CONVERTED = "disqualified", "converted"
_PERSON = ("given_name", "family_name", "email", "phone", "title")
DETAILS = (*_PERSON, "company_name", "web_domain")


def check_identity(details: dict[str, Any]) -> None:
    named = any(details.get(k) for k in ("family_name", "company_name", "email"))
    msg = "a lead names a person (family name), a company or an email"
    check(named, "lead_needs_identity", msg)


def check_source(
    source: str,
    list_name: str | None = None,
    cost_per_lead: Decimal | None = None,
    currency: str | None = None,
    product: str | None = None,
) -> None:
    check(source in SOURCES, "unknown_lead_source", f"no lead source {source!r}")
    bought = (list_name, cost_per_lead, currency)
    if source == PURCHASED_LIST:
        msg = "a purchased-list lead names its list, cost per lead and currency"
        complete = bool(list_name) and None not in bought
        check(complete, "purchased_list_needs_list_and_cost", msg)
        cost = cost_per_lead or Decimal(0)
        msg = "the cost per lead is a finite amount, not negative"
        check(cost.is_finite() and cost >= 0, "cost_per_lead_invalid", msg)
        code = currency or ""
        msg = f"{code!r} is not an ISO 4217 currency code"
        check(len(code) == 3 and code.isalpha() and code.isupper(), "bad_currency", msg)
    else:
        msg = "only a purchased-list lead carries a list, cost or currency"
        check(bought == (None, None, None), "source_fields_mismatch", msg)
    if source == RELATED_PRODUCT_CUSTOMER:
        msg = "a related-product-customer lead names the product"
        check(bool(product), "related_product_needs_product", msg)
    else:
        msg = "only a related-product-customer lead carries a product"
        check(product is None, "source_fields_mismatch", msg)


def check_score(score: int) -> None:
    check(0 <= score <= 100, "score_out_of_range", "the score is 0 to 100")


class Lead(SalesAggregate):
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
