"""The outreach guard in the activity commands: every outreach activity is
filed in its customer's ledger (``domain.outreach``) in the same save.

What must hold:
- Planning, logging, rescheduling or re-purposing an outreach activity that
  collides with another, or exceeds the contact's frequency cap, is refused
  (``OutreachRefused``, a 409) unless the command has an ``override_reason``;
  an override is recorded on the activity (``GuardOverridden``).
- Logging an outreach to a do-not-contact contact is refused
  (``contact_do_not_contact``) unless it has an ``override_reason``; planning
  one is always refused (``commands.activity_rules``), and so is moving or
  re-purposing one planned before the contact asked.
- Completing files the activity's new state without deciding; cancelling
  withdraws it.
- Concurrency: two commands filing for one customer write the same ledger
  stream; the second save conflicts and ``retrying`` runs that command again
  on the ledger as the first left it (at most ``ATTEMPTS`` times). A conflict
  on anything but a ledger is not retried. Within one process, commands for
  one customer also take turns (``Attempt.take_turn``): not for correctness
  (the ledger's version gives that), but so they do not waste attempts.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from commands.application import SalesApplication
from commands.base import Conflict, Context, Loaded, Outcome, load_many
from commands.write_cache import borrow
from domain.activity import CANCELLED, COMPLETED, Activity
from domain.activity_rules import TASK
from domain.base import RuleBroken
from domain.contact import Contact
from domain.outreach import OutreachLedger, ledger_id
from domain.outreach_rules import Clash, Entry

logger = logging.getLogger(__name__)

C = TypeVar("C")
Handler = Callable[[SalesApplication, C, Context], Outcome]
ATTEMPTS = 16
MAX_PAUSE = 0.05  # seconds: the most a retry waits (random, doubling)
DNC = "contact_do_not_contact"
LOCK_WAIT = 5.0  # seconds a command waits for its customer's turn, then races


class Attempt:
    """One run of a command: the ledger versions it decided on, and the
    in-process turn it holds for its customer (at most one: no deadlock)."""

    def __init__(self, app: SalesApplication) -> None:
        self.turns = app.outreach_turns
        self.seen: dict[UUID, int] = {}
        self.held: threading.Lock | None = None

    def take_turn(self, key: UUID) -> None:
        """Commands for one customer in this process take turns, so they do
        not race each other; across processes the ledger's version decides.
        """
        if self.held is None and self.turns:
            lock = self.turns[key.int % len(self.turns)]
            if lock.acquire(timeout=LOCK_WAIT):
                self.held = lock

    def end(self) -> None:
        if self.held is not None:
            self.held.release()
            self.held = None


_attempt: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "sfa_outreach_attempt", default=None
)


def customer_of(activity: Activity, contact: Contact | None) -> UUID | None:
    """Whose ledger: the account named, else the contact's, else the contact."""
    if activity.kind == TASK:
        return None
    account = activity.account_id or (contact.account_id if contact else None)
    return account or activity.contact_id


def entry_of(activity: Activity, contact: Contact | None) -> Entry | None:
    """The activity as a ledger entry; ``None`` for a task or a cancellation."""
    if activity.kind == TASK or activity.status == CANCELLED:
        return None
    done = activity.status == COMPLETED
    at = activity.completed_at if done else activity.scheduled_at
    assert at is not None  # a plan is scheduled, a completion has its time
    account = activity.account_id or (contact.account_id if contact else None)
    return Entry(
        activity.id,
        activity.purpose,
        activity.contact_id,
        account,
        activity.owner_id,
        activity.department,
        activity.status,
        at,
    )


def now() -> datetime:
    """The clock that decides what a ledger still keeps (tests replace it)."""
    return datetime.now(UTC)


def load_ledger(app: SalesApplication, customer: UUID) -> OutreachLedger | None:
    """The customer's ledger, rebuilt from its last event alone (each records
    the whole live state), or the copy this process saved last
    (``commands.write_cache``); ``None`` if it has none."""
    lent = borrow(ledger_id(customer))
    if lent is not None:
        assert isinstance(lent, OutreachLedger)
        return lent
    stored = app.recorder.select_events(ledger_id(customer), desc=True, limit=1)
    if not stored:
        return None
    last: Any = app.mapper.to_domain_event(stored[0])
    ledger = last.mutate(None)
    assert isinstance(ledger, OutreachLedger)
    return ledger


class Filing:
    """The ledgers one command touches, loaded once, saved with its records."""

    def __init__(self, app: SalesApplication, loaded: Loaded | None = None) -> None:
        self.app = app
        self.loaded = dict(loaded or {})
        self.now = now()
        self.stored: dict[UUID, OutreachLedger | None] = {}
        self.ledgers: dict[UUID, OutreachLedger] = {}

    def contact(self, activity: Activity) -> Contact | None:
        if activity.contact_id is None:
            return None
        if activity.contact_id not in self.loaded:
            self.loaded |= load_many(self.app, [activity.contact_id])
        found = self.loaded[activity.contact_id]
        return found if isinstance(found, Contact) else None

    def stored_ledger(self, customer: UUID) -> OutreachLedger | None:
        if customer not in self.stored:
            attempt = _attempt.get()
            if attempt is not None:
                attempt.take_turn(ledger_id(customer))
            self.stored[customer] = load_ledger(self.app, customer)
        return self.stored[customer]

    def ledger(self, customer: UUID) -> OutreachLedger:
        """The customer's ledger to file in (opened if it has none), keeping
        only what can still count: planned, or within the policy's reach."""
        key = ledger_id(customer)
        if key not in self.ledgers:
            found = self.stored_ledger(customer)
            ledger = found or OutreachLedger(customer_id=customer)
            ledger.keep_since = self.now - self.app.outreach_policy.reach
            self.ledgers[key] = ledger
            attempt = _attempt.get()
            if attempt is not None:
                attempt.seen.setdefault(key, found.version if found else 0)
        return self.ledgers[key]

    def ledger_holding(self, activity: Activity) -> OutreachLedger | None:
        """The ledger the activity is filed in; else its customer's now (an
        activity recorded before the guard, or whose contact moved since)."""
        contact = self.contact(activity)
        named = [activity.account_id, contact.account_id if contact else None]
        for customer in dict.fromkeys([*named, activity.contact_id]):
            found = None if customer is None else self.stored_ledger(customer)
            if customer is not None and found and found.holds(activity.id):
                return self.ledger(customer)
        customer = customer_of(activity, contact)
        return None if customer is None else self.ledger(customer)

    def file_new(self, activity: Activity, override_reason: str | None) -> None:
        """Decides on a new outreach activity (plan, log, follow-up)."""
        contact = self.contact(activity)
        entry, customer = entry_of(activity, contact), customer_of(activity, contact)
        if entry is None or customer is None:
            return
        dnc = contact is not None and contact.do_not_contact
        if dnc and not override_reason:
            msg = "the contact asked not to be contacted; send override_reason"
            raise RuleBroken(msg, rule=DNC)
        ledger, policy = self.ledger(customer), self.app.outreach_policy
        found = ledger.file(entry, policy, override_reason)
        _mark(activity, override_reason, found, dnc)

    def file_change(self, activity: Activity, override_reason: str | None) -> None:
        """Decides on a planned activity moved or re-purposed: planning again,
        so refused for a do-not-contact contact, as a plan is."""
        contact = self.contact(activity)
        if contact is not None and contact.do_not_contact:
            msg = "the contact asked not to be contacted; cancel this activity"
            raise RuleBroken(msg, rule=DNC)
        ledger, entry = self.ledger_holding(activity), self._entry(activity)
        if ledger is not None and entry is not None:
            found = ledger.file(entry, self.app.outreach_policy, override_reason)
            _mark(activity, override_reason, found, dnc=False)

    def refile(self, activity: Activity) -> None:
        """Files a completion or a cancellation: facts, not decided on."""
        ledger, entry = self.ledger_holding(activity), self._entry(activity)
        if ledger is None:
            return
        if entry is None:
            ledger.withdraw(activity.id)
        else:
            ledger.update(entry)

    def _entry(self, activity: Activity) -> Entry | None:
        return entry_of(activity, self.contact(activity))

    def changed(self) -> list[OutreachLedger]:
        """The ledgers with events to save."""
        return [ledger for ledger in self.ledgers.values() if ledger.pending_events]


def _mark(
    activity: Activity, reason: str | None, found: list[Clash], dnc: bool
) -> None:
    if reason and (found or dnc):
        rules = sorted({c.rule for c in found} | ({DNC} if dnc else set()))
        colliding = list(dict.fromkeys(c.entry.activity_id for c in found))
        activity.record_override(reason, rules, colliding)


def retrying(handler: Handler[C]) -> Handler[C]:
    """``handler``, run again when its save lost a race on a ledger."""

    def run(app: SalesApplication, command: C, ctx: Context) -> Outcome:
        for n in range(1, ATTEMPTS + 1):
            attempt = Attempt(app)
            token = _attempt.set(attempt)
            try:
                return handler(app, command, ctx)
            except Conflict:
                if n == ATTEMPTS or not _ledger_moved(app, attempt.seen):
                    raise
                logger.debug("outreach ledger moved; deciding again (%s)", n)
            finally:
                attempt.end()
                _attempt.reset(token)
            time.sleep(random.uniform(0, min(MAX_PAUSE, 0.001 * 2**n)))
        raise AssertionError("unreachable")

    run.__name__ = run.__qualname__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def _ledger_moved(app: SalesApplication, seen: dict[UUID, int]) -> bool:
    for key, version in seen.items():
        last = app.recorder.select_events(key, desc=True, limit=1)
        if (last[0].originator_version if last else 0) != version:
            return True
    return False
