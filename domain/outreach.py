"""Outreach ledger: every approach to one customer, kept on the write side so
the collision guard and the frequency cap decide on what is recorded, not on
a view that lags.

One ledger per customer (an account, or a contact with no account) and
period of ``PERIOD_DAYS`` (``ledger_id(customer_id, period)``), so a stream
stays short however long the customer's history. The command layer files
each outreach activity in its customer's *head* ledger in the same save as
the activity. Two writers deciding about one customer therefore append to
the same stream: the second save conflicts (optimistic concurrency on the
ledger's version), and the second writer decides again on the ledger as the
first left it.

What must hold:
- A customer has one open ledger, the head. A new period's ledger is opened
  carrying the head's live entries (planned, or within the policy's reach),
  in the same save as the ``Closed`` event that ends the old head; so the
  writer that opens it conflicts with any writer of the old one.
- ``file`` refuses (``OutreachRefused``) an entry that collides with a filed
  one or exceeds the frequency cap (``domain.outreach_rules``), unless it
  has an override reason; it returns the clashes it let pass.
- ``update`` files a new state of an entry without deciding (a completion
  is a fact); ``withdraw`` drops a cancelled activity.
- A filing that changes nothing records nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.outreach_rules import Clash, Entry, OutreachRefused, Policy, clashes

NAMESPACE = uuid5(NAMESPACE_URL, "https://sfa.dev/outreach-ledger")
PERIOD_DAYS = 30
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def period_of(moment: datetime) -> int:
    return (moment - EPOCH).days // PERIOD_DAYS


def ledger_id(customer_id: UUID, period: int) -> UUID:
    """The ledger of one customer (an account, or a contact without one) in
    one period."""
    return uuid5(NAMESPACE, f"{customer_id}:{period}")


class OutreachLedger(SalesAggregate):
    @event("Opened")
    def __init__(
        self, customer_id: UUID, period: int, carried: list[dict[str, Any]]
    ) -> None:
        self.customer_id = customer_id
        self.period = period
        self.entries: dict[UUID, Entry] = {}
        for fields in carried:
            entry = Entry(**fields)
            self.entries[entry.activity_id] = entry
        self.next_period: int | None = None

    @staticmethod
    def create_id(customer_id: UUID, period: int, **_: Any) -> UUID:
        return ledger_id(customer_id, period)

    @classmethod
    def fresh(cls, customer_id: UUID, period: int) -> OutreachLedger:
        return cls(customer_id=customer_id, period=period, carried=[])

    def succeed(self, period: int, cutoff: datetime) -> OutreachLedger:
        """Closes this ledger and opens the next, carrying the entries still
        planned or at ``cutoff`` or later; both are to be saved together."""
        check(self.next_period is None, "ledger_closed", "this ledger is closed")
        check(period > self.period, "ledger_period", "a later period is needed")
        live = [
            asdict(e)
            for e in self.entries.values()
            if e.status == "planned" or e.at >= cutoff
        ]
        self._closed(next_period=period)
        return type(self)(customer_id=self.customer_id, period=period, carried=live)

    @event("Closed")
    def _closed(self, next_period: int) -> None:
        self.next_period = next_period

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
        check(self.next_period is None, "ledger_closed", "this ledger is closed")
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
