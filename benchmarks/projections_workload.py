"""A realistic sales log, recorded fast: aggregates built in memory and saved
many at a time through ``SalesApplication.save`` (one transaction per save).

Each customer is an account with a few contacts, activities with them and an
opportunity. Its records are created in one save and changed in the next
(titles, departments, consent; activities completed, cancelled, moved or
changed; the deal moves a stage), so the creations of new customers and the
changes of older ones interleave in the log as they would in real use. Every
event names an actor and a correlation id, as one recorded by a command does.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from commands import reps
from commands.application import SalesApplication
from commands.base import Caller, Context, execute
from commands.pipelines import ensure_default_pipeline
from domain.account import ACTIVE_CUSTOMER, Account
from domain.activity import Activity
from domain.base import Actor, acting_as
from domain.contact import Contact
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline

ADMIN = Caller("bench", frozenset({"admin"}))
CUSTOMERS_PER_SAVE = 8  # about 200 events per save
REPS = 6
KINDS = ("call", "call", "call", "meeting", "visit", "email")
PURPOSES = ("prospecting", "qualification", "demo", "proposal", "renewal")
DEPARTMENTS = ("sales", "inside_sales", "customer_success", "marketing")
TITLES = ("CTO", "CFO", "Head of IT", "Buyer", "Office manager", "CEO")
INDUSTRIES = ("manufacturing", "retail", "software", "logistics", "health")
TERRITORIES = ("north", "south", "east", "west")
OUTCOMES = ("connected", "no_answer", "left_voicemail", "meeting_held")

Progress = Callable[[int, int], None]


@dataclass
class Customer:
    """One account and everything about it, changed once after creation."""

    account: Account
    contacts: list[Contact]
    activities: list[Activity]
    deal: Opportunity
    changed: bool = False

    def records(self) -> Iterable[Any]:
        """Accounts, then contacts, then what refers to them: the order in
        which a save records their events."""
        return [self.account, *self.contacts, *self.activities, self.deal]


@dataclass
class Workload:
    app: SalesApplication
    seed: int = 1
    rng: random.Random = field(init=False)
    reps: list[UUID] = field(init=False)
    pipeline: Pipeline = field(init=False)
    customers: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        ensure_default_pipeline(self.app)
        self.pipeline = self.app.repository.get(DEFAULT_PIPELINE_ID)
        self.reps = [self._rep(n) for n in range(REPS)]

    def _rep(self, n: int) -> UUID:
        command = reps.RegisterRep(name=f"Rep {n}", email=f"rep{n}@bench.sfa.dev")
        outcome = execute(reps.register_rep, self.app, command, Context(ADMIN))
        return UUID(str(outcome.aggregate.id))

    def new_customer(self) -> Customer:
        rng, n = self.rng, self.customers
        self.customers += 1
        owner = rng.choice(self.reps)
        account = Account(
            id=uuid4(),
            name=f"Company {n}",
            web_domain=f"company{n}.example",
            industry=rng.choice(INDUSTRIES),
            territory=rng.choice(TERRITORIES),
            owner_id=owner,
        )
        contacts = [
            self._contact(account.id, owner, n, k) for k in range(rng.randint(2, 6))
        ]
        activities = [
            self._activity(contact, owner)
            for contact in contacts
            for _ in range(rng.randint(1, 3))
        ]
        deal = Opportunity.open(
            uuid4(),
            self.pipeline,
            "prospecting",
            account_id=account.id,
            name=f"Deal {n}",
            amount=Decimal(rng.randrange(1_000, 90_000)),
            currency="EUR",
            expected_close_date=(datetime.now(UTC) + timedelta(days=60)).date(),
            primary_contact_id=contacts[0].id,
            owner_id=owner,
        )
        return Customer(account, contacts, activities, deal)

    def _contact(self, account_id: UUID, owner: UUID, n: int, k: int) -> Contact:
        return Contact(
            id=uuid4(),
            given_name=self.rng.choice(("Ada", "Grace", "Alan", "Edsger", "Barbara")),
            family_name=f"Person{n}x{k}",
            emails=(f"p{n}x{k}@company{n}.example",),
            phones=(f"+4930{self.rng.randrange(10**6, 10**7)}",),
            title=self.rng.choice(TITLES),
            account_id=account_id,
            owner_id=owner,
            department=self.rng.choice(DEPARTMENTS),
        )

    def _activity(self, contact: Contact, owner: UUID) -> Activity:
        when = datetime.now(UTC) + timedelta(days=self.rng.randint(1, 30))
        details = {
            "kind": self.rng.choice(KINDS),
            "purpose": self.rng.choice(PURPOSES),
            "contact_id": contact.id,
            "account_id": contact.account_id if self.rng.random() < 0.7 else None,
            "owner_id": owner,
            "department": self.rng.choice(DEPARTMENTS),
            "notes": "Ask about the roll-out plan and budget for next year.",
        }
        return Activity.plan(uuid4(), when, **details)

    def change(self, customer: Customer) -> None:
        """What happens to a customer after it is first recorded."""
        rng = self.rng
        customer.changed = True
        if rng.random() < 0.2:
            customer.account.change_status(ACTIVE_CUSTOMER)
        for contact in customer.contacts:
            contact.change_title(rng.choice(TITLES))
            if rng.random() < 0.3:
                contact.assign_department(rng.choice(DEPARTMENTS))
            if rng.random() < 0.05:
                contact.set_consent(do_not_contact=True, reason="asked by phone")
        for activity in customer.activities:
            self._progress_activity(activity)
        stage = rng.choice(("qualification", "proposal", "negotiation"))
        customer.deal.move_to(self.pipeline, stage)
        if rng.random() < 0.3:
            customer.deal.change_amount(customer.deal.amount + 500, "EUR")

    def _progress_activity(self, activity: Activity) -> None:
        roll, now = self.rng.random(), datetime.now(UTC)
        if roll < 0.7:
            activity.complete(
                outcome=self.rng.choice(OUTCOMES),
                duration_minutes=self.rng.randint(5, 60),
                completed_at=now,
                notes="Spoke about next steps; follow up in two weeks.",
            )
        elif roll < 0.8:
            activity.cancel("customer asked to postpone")
        elif roll < 0.9:
            activity.reschedule(now + timedelta(days=self.rng.randint(31, 60)))
        else:
            activity.change_details(purpose="demo", department="sales")


def _pending(records: Iterable[Any]) -> list[Any]:
    return [r for r in records if r.pending_events]


def record_log(
    app: SalesApplication,
    events: int,
    *,
    seed: int = 1,
    progress: Progress | None = None,
) -> int:
    """Records at least ``events`` events (a few more: whole saves); returns
    the head position."""
    work = Workload(app, seed)
    recorded = 0
    previous: list[Customer] = []
    while recorded < events:
        with acting_as(Actor("bench", uuid4())):
            fresh = [work.new_customer() for _ in range(CUSTOMERS_PER_SAVE)]
            for customer in previous:
                work.change(customer)
        records = _pending(r for c in [*previous, *fresh] for r in c.records())
        recorded += sum(len(r.pending_events) for r in records)
        app.save(*records)
        previous = fresh
        if progress is not None:
            progress(min(recorded, events), events)
    return app.recorder.max_notification_id() or 0


def progress_line(label: str) -> Progress:
    """A progress callback writing ``label: done/total (rate/s)`` to stderr."""
    started = time.perf_counter()
    shown = [0.0]

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - shown[0] < 0.5:
            return
        shown[0] = now
        rate = done / max(now - started, 1e-9)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: {done:,}/{total:,} ({rate:,.0f}/s){end}")

    return show
