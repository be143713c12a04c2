"""Hypothesis: under random interleavings of concurrent plans, logs, moves
and changes of purpose (and cancellations between rounds), the outreach
guard never lets two colliding activities both be accepted unless one of
them carries an override.

Each round starts a few writers at once. Every writer reads and decides
freely, then stops just before it saves; a scheduler (driven by hypothesis)
picks which waiting writer saves next. A writer whose save lost a race on a
ledger decides again and waits again, so stale decisions, retries and every
order of saves are explored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import activities as cmd
from commands.accounts import OpenAccount, open_account
from commands.activities_outreach import entry_of, load_ledger
from commands.application import SalesApplication
from commands.base import Context, execute
from commands.contacts import RegisterContact, register_contact
from domain.activity import Activity
from domain.base import DomainError
from domain.contact import Contact
from domain.outreach_rules import Entry, Policy, collisions
from tests.unit.helpers import ADMIN, registered_rep, run

T0 = datetime(2030, 5, 6, 9, tzinfo=UTC)
WAIT = 10.0


class Scheduler:
    """Lets one writer save at a time, in the order ``choose`` picks."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.running = 0
        self.waiting: list[str] = []
        self.released: set[str] = set()
        self.aborted = False

    def arrive(self) -> None:
        me = threading.current_thread().name
        with self.cond:
            self.running -= 1
            self.waiting.append(me)
            self.cond.notify_all()
            go = self.cond.wait_for(lambda: me in self.released or self.aborted, WAIT)
            assert go, "the scheduler never let this writer save"
            self.released.discard(me)

    def done(self) -> None:
        with self.cond:
            self.running -= 1
            self.cond.notify_all()

    def run(self, jobs: list[Callable[[], None]], choose: Callable[[int], int]) -> None:
        threads = [
            threading.Thread(target=self._job, args=(job,), name=f"w{n}")
            for n, job in enumerate(jobs)
        ]
        self.running = len(threads)
        for thread in threads:
            thread.start()
        try:
            while self._next(choose):
                pass
        finally:  # hypothesis may stop a run mid-way: let the writers finish
            with self.cond:
                self.aborted = True
                self.cond.notify_all()
            for thread in threads:
                thread.join(WAIT)

    def _next(self, choose: Callable[[int], int]) -> bool:
        """Lets one waiting writer save; ``False`` once all have finished."""
        with self.cond:
            assert self.cond.wait_for(lambda: self.running == 0, WAIT)
            if not self.waiting:
                return False
            self.waiting.sort()  # arrival order is the threads'; choices are ours
            chosen = self.waiting.pop(choose(len(self.waiting)))
            self.released.add(chosen)
            self.running += 1
            self.cond.notify_all()
            return True

    def _job(self, job: Callable[[], None]) -> None:
        try:
            job()
        finally:
            self.done()


class ScheduledApp(SalesApplication):
    scheduler: Scheduler | None = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.scheduler is not None:
            self.scheduler.arrive()
        return super().save(*objs, **kwargs)


@dataclass(frozen=True)
class Write:
    change: str  # "new" (plan or log), "move" (reschedule), "repurpose"
    log: bool
    rep: int
    department: str | None
    purpose: str
    customer: int  # 0: the account, 1-2: its contacts, 3: a contact alone
    day: int
    override: bool


writes = st.builds(
    Write,
    change=st.sampled_from(["new", "new", "new", "move", "repurpose"]),
    log=st.booleans(),
    rep=st.integers(0, 2),
    department=st.sampled_from([None, "sales", "service"]),
    purpose=st.sampled_from(["renewal", "demo"]),
    customer=st.integers(0, 3),
    day=st.integers(0, 40),
    override=st.sampled_from([False, False, False, True]),
)
rounds = st.lists(
    st.tuples(st.lists(writes, min_size=2, max_size=4), st.lists(st.integers(0, 99))),
    min_size=1,
    max_size=4,
)


class World:
    def __init__(self) -> None:
        self.app = ScheduledApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.app.outreach_turns = None  # writers race as in separate processes
        self.app.outreach_policy = Policy(windows=(("demo", 10),))
        account = run(self.app, open_account, OpenAccount(name="Acme")).aggregate.id
        self.account = UUID(str(account))
        self.reps = [registered_rep(self.app) for _ in range(3)]
        self.customers = [self.account]
        for account_id in (self.account, self.account, None):
            body = RegisterContact(
                given_name="A", family_name="B", account_id=account_id
            )
            contact = run(self.app, register_contact, body).aggregate.id
            self.customers.append(UUID(str(contact)))
        self.accepted: list[UUID] = []
        self.lock = threading.Lock()

    def command(self, w: Write) -> tuple[Any, Any]:
        if w.change != "new" and self.accepted:
            return self.change(w, self.accepted[w.day % len(self.accepted)])
        key = "account_id" if w.customer == 0 else "contact_id"
        body: dict[str, Any] = {"kind": "call", "purpose": w.purpose}
        body |= {key: self.customers[w.customer], "owner_id": self.reps[w.rep]}
        body["department"] = w.department
        when = T0 + timedelta(days=w.day)
        if w.override:
            body["override_reason"] = "both on purpose"
        if w.log:
            body |= {
                "outcome": "connected",
                "duration_minutes": 1,
                "completed_at": when,
            }
            return cmd.log_activity, cmd.LogActivity.model_validate(body)
        body["scheduled_at"] = when
        return cmd.plan_activity, cmd.PlanActivity.model_validate(body)

    def change(self, w: Write, target: UUID) -> tuple[Any, Any]:
        """Moves or re-purposes an accepted activity (refused if not planned)."""
        body: dict[str, Any] = {"activity_id": target}
        if w.override:
            body["override_reason"] = "both on purpose"
        if w.change == "move":
            body["scheduled_at"] = T0 + timedelta(days=w.day)
            return cmd.reschedule_activity, cmd.RescheduleActivity(**body)
        body["purpose"] = w.purpose
        return cmd.change_activity_details, cmd.ChangeActivityDetails(**body)

    def job(self, w: Write) -> Callable[[], None]:
        handler, command = self.command(w)

        def write() -> None:
            try:
                outcome = execute(handler, self.app, command, Context(ADMIN))
            except DomainError:
                return  # refused, or lost every retry: nothing recorded
            with self.lock:
                if outcome.created:
                    self.accepted.append(UUID(str(outcome.aggregate.id)))

        return write

    def cancel_some(self, picks: list[int]) -> None:
        for pick in picks[:2]:
            if not self.accepted:
                return
            activity_id = self.accepted[pick % len(self.accepted)]
            activity: Activity = self.app.repository.get(activity_id)
            if activity.status == "planned":
                cancel = cmd.CancelActivity(activity_id=activity_id, reason="off")
                run(self.app, cmd.cancel_activity, cancel)

    def entries(self) -> list[tuple[Entry, bool]]:
        """Every accepted, uncancelled activity, and whether it overrode."""
        found = []
        for activity_id in self.accepted:
            activity: Activity = self.app.repository.get(activity_id)
            contact: Contact | None = None
            if activity.contact_id is not None:
                contact = self.app.repository.get(activity.contact_id)
                assert isinstance(contact, Contact)
            entry = entry_of(activity, contact)
            if entry is not None:
                found.append((entry, activity.override_reason is not None))
        return found


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rounds=rounds, data=st.data())
def test_no_two_colliding_activities_are_both_accepted_without_override(
    rounds: list[tuple[list[Write], list[int]]], data: st.DataObject
) -> None:
    world = World()
    for concurrent, cancels in rounds:
        scheduler = Scheduler()
        world.app.scheduler = scheduler
        choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
        scheduler.run([world.job(w) for w in concurrent], choose)
        world.app.scheduler = None
        world.cancel_some(cancels)
    entries = world.entries()
    policy = world.app.outreach_policy
    for (a, a_overrode), (b, b_overrode) in combinations(entries, 2):
        if collisions([a], b, policy):
            assert a_overrode or b_overrode, (a, b)
    at_account = {e.activity_id: e for e, _ in entries if e.account_id == world.account}
    ledger = load_ledger(world.app, world.account)
    filed = ledger.entries if ledger is not None else {}
    assert filed == at_account  # the ledger holds what was accepted
