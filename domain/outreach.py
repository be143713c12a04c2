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
- Each change records the ledger's whole live state (``Recorded``): entries
  still planned, or at ``keep_since`` or later (the command sets it to now
  minus the policy's reach). So the *last* event alone rebuilds the ledger
  (``Recorded.mutate(None)``): a read costs the same however long the
  customer's history, and the state never grows past what can still count.
- A change that changes nothing records nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate
from domain.outreach_rules import Clash, Entry, OutreachRefused, Policy, clashes

NAMESPACE = uuid5(NAMESPACE_URL, "https://sfa.dev/outreach-ledger")


def ledger_id(customer_id: UUID) -> UUID:
    """The ledger of one customer (an account, or a contact without one)."""
    return uuid5(NAMESPACE, str(customer_id))


class OutreachLedger(SalesAggregate):
    keep_since: datetime | None = None  # not state: set by the command

    @event("Opened")
    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.entries: dict[UUID, Entry] = {}

    @staticmethod
    def create_id(customer_id: UUID, **_: Any) -> UUID:
        return ledger_id(customer_id)

    class Recorded(SalesAggregate.Event):
        """The ledger's whole live state after a change."""

        customer_id: UUID
        entries: list[dict[str, Any]]

        def mutate(self, aggregate: Any) -> Any:
            """Also rebuilds the ledger from this event alone (``None``)."""
            if aggregate is None:
                aggregate = object.__new__(OutreachLedger)
                aggregate.__dict__.update(
                    _id=self.originator_id,
                    _version=self.originator_version - 1,
                    _created_on=self.timestamp,
                    _modified_on=self.timestamp,
                    _pending_events=[],
                )
            return super().mutate(aggregate)

        def apply(self, aggregate: OutreachLedger) -> None:
            aggregate.customer_id = self.customer_id
            found = (Entry(**fields) for fields in self.entries)
            aggregate.entries = {entry.activity_id: entry for entry in found}

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
            self._record({**self.entries, entry.activity_id: entry})

    def withdraw(self, activity_id: UUID) -> None:
        if activity_id in self.entries:
            rest = {k: e for k, e in self.entries.items() if k != activity_id}
            self._record(rest)

    def _record(self, entries: dict[UUID, Entry]) -> None:
        since = self.keep_since
        live = [
            asdict(e)
            for e in entries.values()
            if since is None or e.status == "planned" or e.at >= since
        ]
        self.trigger_event(self.Recorded, customer_id=self.customer_id, entries=live)
