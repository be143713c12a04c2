"""The realistic command mix of bench_commands, through the command layer.

Mix per issue 3: register contact 20 %, plan activity 30 %, complete activity
30 %, advance stage 20 %. Each worker owns its opportunities, its planned
activities and its customer account, so workers never conflict with each
other (outreach to one customer is serialised by its outreach ledger). A
worker approaches its customers in turn, as a rep does: each customer's
ledger holds that customer's recent approaches, not the whole run's.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from commands import activities, contacts, opportunities, reps
from commands.accounts import OpenAccount, open_account
from commands.application import SalesApplication
from commands.base import Caller, Context, Outcome, execute
from domain.pipeline import DEFAULT_PIPELINE_ID, Pipeline

ADMIN = Caller("bench", frozenset({"admin"}))
KINDS = ("register", "plan", "complete", "advance")
WEIGHTS = (20, 30, 30, 20)
DEALS = 20  # open deals per worker, advanced in turn (a deal's history stays short)
CUSTOMERS = 20  # accounts per worker, approached in turn (so are their ledgers)


def run(
    app: SalesApplication, handler: Callable[..., Outcome], command: Any
) -> Outcome:
    return execute(handler, app, command, Context(ADMIN))


class Fixture:
    """A rep and an account that every command refers to."""

    def __init__(self, app: SalesApplication) -> None:
        self.app = app
        rep = reps.RegisterRep(name="Bench Rep", email="bench@example.com")
        self.rep_id = UUID(str(run(app, reps.register_rep, rep).aggregate.id))
        account = OpenAccount(name="Bench Co", owner_id=self.rep_id)
        self.account_id = UUID(str(run(app, open_account, account).aggregate.id))
        pipeline: Pipeline = app.repository.get(DEFAULT_PIPELINE_ID)
        self.stages = [stage.key for stage in pipeline.stages]


class Worker:
    """One client's stream of commands: returns the kind it ran."""

    def __init__(self, fixture: Fixture, seed: int) -> None:
        self.fixture = fixture
        self.app = fixture.app
        self.random = random.Random(seed)
        self.planned: list[UUID] = []
        accounts = [self.open_account(f"Bench Co {seed}.{n}") for n in range(CUSTOMERS)]
        self.account_id = accounts[0]  # the deals' customer
        self.customers = itertools.cycle(accounts)
        opened = [self.open_deal(f"Deal {seed}.{n}") for n in range(DEALS)]
        self.deals = itertools.cycle(opened)
        self.stages = {deal: 0 for deal in opened}

    def open_account(self, name: str) -> UUID:
        account = OpenAccount(name=name, owner_id=self.fixture.rep_id)
        return UUID(str(run(self.app, open_account, account).aggregate.id))

    def next_customer(self) -> UUID:
        """The next of the worker's accounts, in turn."""
        return next(self.customers)

    def open_deal(self, name: str) -> UUID:
        opening = opportunities.OpenOpportunity(
            account_id=self.account_id,
            owner_id=self.fixture.rep_id,
            name=name,
            amount=Decimal("1000.00"),
            currency="EUR",
            expected_close_date=(datetime.now(UTC) + timedelta(days=30)).date(),
        )
        outcome = run(self.app, opportunities.open_opportunity, opening)
        return UUID(str(outcome.aggregate.id))

    def next_move(self) -> tuple[UUID, str]:
        """The next deal in turn, one stage on (back to the first after the last)."""
        deal = next(self.deals)
        self.stages[deal] = (self.stages[deal] + 1) % len(self.fixture.stages)
        return deal, self.fixture.stages[self.stages[deal]]

    def next_kind(self) -> str:
        kind = self.random.choices(KINDS, WEIGHTS)[0]
        return "plan" if kind == "complete" and not self.planned else kind

    def step(self) -> str:
        kind = self.next_kind()
        getattr(self, kind)()
        return kind

    def register(self) -> None:
        command = contacts.RegisterContact(
            given_name="Grace",
            family_name=f"Hopper{self.random.randrange(10**6)}",
            emails=(f"g{uuid4().hex[:12]}@example.com",),
            account_id=self.next_customer(),
            owner_id=self.fixture.rep_id,
        )
        run(self.app, contacts.register_contact, command)

    def plan(self) -> None:
        command = activities.PlanActivity(
            kind="call",
            purpose="prospecting",
            account_id=self.next_customer(),
            owner_id=self.fixture.rep_id,
            scheduled_at=datetime.now(UTC) + timedelta(days=1),
        )
        outcome = run(self.app, activities.plan_activity, command)
        self.planned.append(UUID(str(outcome.aggregate.id)))

    def complete(self) -> None:
        command = activities.CompleteActivity(
            activity_id=self.planned.pop(),
            outcome="connected",
            duration_minutes=12,
        )
        run(self.app, activities.complete_activity, command)

    def advance(self) -> None:
        deal, stage = self.next_move()
        command = opportunities.AdvanceStage(opportunity_id=deal, stage=stage)
        run(self.app, opportunities.advance_stage, command)
