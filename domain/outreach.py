"""Outreach ledger: every approach to one customer, kept on the write side so
the collision guard and the frequency cap decide on what is recorded, not on
a view that lags.

One ledger per customer: an account, or a contact with no account (its id is
``ledger_id(customer_id)``). The command layer files each outreach activity
in its customer's ledger *in the same save* as the activity. Two writers
deciding about one customer therefore append to the same stream: the second
save conflicts (optimistic concurrency on the ledger's version), and the
second writer decides again on the ledger as the first left it.

What must hold:
- ``file`` refuses (``OutreachRefused``) an entry that collides with a filed
  one or exceeds the frequency cap (``domain.outreach_rules``), unless it
  has an override reason; it returns the clashes it let pass.
- ``update`` files a new state of an entry without deciding (a completion
  is a fact); ``withdraw`` drops a cancelled activity.
- A filing that changes nothing records nothing.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate
from domain.outreach_rules import Clash, Entry, OutreachRefused, Policy, clashes

NAMESPACE = uuid5(NAMESPACE_URL, "https://sfa.dev/outreach-ledger")


def ledger_id(customer_id: UUID) -> UUID:
    """The ledger of one customer (an account, or a contact without one)."""
    return uuid5(NAMESPACE, str(customer_id))


class OutreachLedger(SalesAggregate):
    @event("Opened")
    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.entries: dict[UUID, Entry] = {}

    @staticmethod
    def create_id(customer_id: UUID) -> UUID:
        return ledger_id(customer_id)

    def clashes(self, entry: Entry, policy: Policy) -> list[Clash]:
        return clashes(self.entries.values(), entry, policy)

    def file(
        self, entry: Entry, policy: Policy, override_reason: str | None = None
    ) -> list[Clash]:
        """Files ``entry`` unless it clashes and there is no override reason."""
        found = self.clashes(entry, policy)
        if found and not override_reason:
            raise OutreachRefused(found)
        self.update(entry)
        return found

    def update(self, entry: Entry) -> None:
        if self.entries.get(entry.activity_id) != entry:
            self._filed(
                activity_id=entry.activity_id,
                purpose=entry.purpose,
                contact_id=entry.contact_id,
                account_id=entry.account_id,
                owner_id=entry.owner_id,
                department=entry.department,
                status=entry.status,
                at=entry.at,
            )

    @event("Filed")
    def _filed(
        self,
        activity_id: UUID,
        purpose: str,
        contact_id: UUID | None,
        account_id: UUID | None,
        owner_id: UUID | None,
        department: str | None,
        status: str,
        at: datetime,
    ) -> None:
        self.entries[activity_id] = Entry(
            activity_id, purpose, contact_id, account_id, owner_id, department,
            status, at,
        )  # fmt: skip

    def withdraw(self, activity_id: UUID) -> None:
        if activity_id in self.entries:
            self._withdrawn(activity_id=activity_id)

    @event("Withdrawn")
    def _withdrawn(self, activity_id: UUID) -> None:
        del self.entries[activity_id]
