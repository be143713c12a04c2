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

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate
from domain.outreach_rules import Clash, Entry, OutreachRefused, Policy, clashes

NAMESPACE = uuid5(NAMESPACE_URL, "https://sfa.dev/outreach-ledger")


@lru_cache(maxsize=65_536)
def ledger_id(customer_id: UUID) -> UUID:
    """The ledger of one customer (an account, or a contact without one)."""
    return uuid5(NAMESPACE, str(customer_id))


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _id(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)


def stamp(moment: datetime) -> str:
    """A time as UTC text of one fixed width, so texts sort as times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def row(e: Entry) -> list[str | None]:
    """An entry as text: activity, purpose, contact, account, rep,
    department, status, time (``stamp``)."""
    ids = (e.contact_id, e.account_id, e.owner_id)
    return [str(e.activity_id), e.purpose, *map(_text, ids), e.department, e.status,
            stamp(e.at)]  # fmt: skip


def entry_of(fields: list[str | None]) -> Entry:
    activity, purpose, contact, account, owner, department, status, at = fields
    assert activity and purpose and status and at
    return Entry(
        UUID(activity), purpose, _id(contact), _id(account), _id(owner),
        department, status, datetime.fromisoformat(at),
    )  # fmt: skip


class OutreachLedger(SalesAggregate):
    keep_since: datetime | None = None  # not state: set by the command

    @event("Opened")
    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.rows: dict[str, list[str | None]] = {}

    @staticmethod
    def create_id(customer_id: UUID, **_: Any) -> UUID:
        return ledger_id(customer_id)

    class Recorded(SalesAggregate.Event):
        """The ledger's whole live state after a change: each entry as a row
        of text (``row``), cheap to write and read however many there are."""

        customer_id: UUID
        entries: list[list[str | None]]

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
            aggregate.rows = {str(r[0]): r for r in self.entries}

    @property
    def entries(self) -> dict[UUID, Entry]:
        """Every entry, decoded (rows are decoded only when needed)."""
        return {UUID(key): entry_of(r) for key, r in self.rows.items()}

    def holds(self, activity_id: UUID) -> bool:
        return str(activity_id) in self.rows

    def clashes(self, entry: Entry, policy: Policy) -> list[Clash]:
        return clashes(self._near(entry, policy), entry, policy)

    def _near(self, new: Entry, policy: Policy) -> Iterator[Entry]:
        """The entries that may clash with ``new``: same purpose and contact
        or account in other hands (``Entry.same_hands``); with a cap, also
        the same contact. Rows are compared as text, decoded only if near."""
        contact, account = _text(new.contact_id), _text(new.account_id)
        owner, department = _text(new.owner_id), new.department
        capped = policy.cap is not None
        for r in self.rows.values():
            same_contact = contact is not None and r[2] == contact
            same_account = account is not None and r[3] == account
            collides = (
                r[1] == new.purpose
                and (same_contact or same_account)
                and (r[4] != owner or r[5] != department)
            )
            if collides or (capped and same_contact):
                yield entry_of(r)

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
        new = row(entry)
        key = str(entry.activity_id)
        if self.rows.get(key) != new:
            self._record({**self.rows, key: new})

    def withdraw(self, activity_id: UUID) -> None:
        key = str(activity_id)
        if key in self.rows:
            self._record({k: r for k, r in self.rows.items() if k != key})

    def _record(self, rows: dict[str, list[str | None]]) -> None:
        since = None if self.keep_since is None else stamp(self.keep_since)
        live = [
            r
            for r in rows.values()
            if since is None or r[6] == "planned" or str(r[7]) >= since
        ]
        self.trigger_event(self.Recorded, customer_id=self.customer_id, entries=live)
