"""The outreach guard in the activity commands, on in-memory persistence:
given what is planned and done with a customer, when a rep plans, logs,
moves or re-purposes an activity, then it is refused or filed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from commands import activities as cmd
from commands import activities_outreach as outreach
from commands.accounts import OpenAccount, open_account
from commands.activities_outreach import load_ledger
from commands.application import SalesApplication
from commands.base import Conflict, Context, execute
from commands.contacts import (
    RegisterContact,
    SetContactConsent,
    register_contact,
    set_contact_consent,
)
from domain.base import RuleBroken
from domain.outreach import OutreachLedger
from domain.outreach_rules import CAP, COLLISION, OutreachRefused, Policy
from tests.unit.helpers import ADMIN, event_names, events_of, memory_app, run
from tests.unit.helpers import registered_rep as a_rep

T0 = datetime(2030, 5, 6, 9, tzinfo=UTC)
REASON = "the customer asked for both"


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


@dataclass
class World:
    """Two reps, an account with two contacts, and a contact on their own."""

    app: SalesApplication
    ann: UUID
    bob: UUID
    account: UUID
    contact: UUID
    colleague: UUID
    loner: UUID

    @classmethod
    def make(cls, policy: Policy | None = None) -> World:
        app = memory_app()
        app.outreach_policy = policy or Policy()
        account = run(app, open_account, OpenAccount(name="Acme")).aggregate.id

        def contact(account_id: UUID | None) -> UUID:
            body = RegisterContact(
                given_name="A", family_name="B", account_id=account_id
            )
            return UUID(str(run(app, register_contact, body).aggregate.id))

        return cls(
            app, a_rep(app), a_rep(app), account, contact(account),
            contact(account), contact(None),
        )  # fmt: skip

    def plan(self, rep: UUID, when: float = 0, **fields: Any) -> UUID:
        body = {"kind": "call", "purpose": "renewal", "contact_id": self.contact}
        body |= {"owner_id": rep, "scheduled_at": day(when)} | fields
        command = cmd.PlanActivity.model_validate(body)
        return UUID(str(run(self.app, cmd.plan_activity, command).aggregate.id))

    def log(self, rep: UUID, when: float = 0, **fields: Any) -> UUID:
        body = {"kind": "visit", "purpose": "renewal", "contact_id": self.contact}
        body |= {"owner_id": rep, "completed_at": day(when)} | fields
        body |= {"outcome": "connected", "duration_minutes": 5}
        command = cmd.LogActivity.model_validate(body)
        return UUID(str(run(self.app, cmd.log_activity, command).aggregate.id))

    def refused(self, action: Any, *args: Any, **fields: Any) -> OutreachRefused:
        head = self.app.recorder.max_notification_id()
        with pytest.raises(OutreachRefused) as refused:
            action(*args, **fields)
        assert self.app.recorder.max_notification_id() == head  # nothing recorded
        return refused.value

    def ledger(self, customer: UUID) -> OutreachLedger:
        found = load_ledger(self.app, customer)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    return World.make()


class TestPlanAndLog:
    def test_another_rep_planning_the_same_purpose_is_refused(
        self, world: World
    ) -> None:
        first = world.plan(world.ann)
        refused = world.refused(world.plan, world.bob, 3)
        assert refused.rule == COLLISION
        assert [c.entry.activity_id for c in refused.clashes] == [first]

    def test_an_account_level_plan_collides_with_a_contact_s(
        self, world: World
    ) -> None:
        world.plan(world.ann)
        refused = world.refused(
            world.plan, world.bob, 1, contact_id=None, account_id=world.account
        )
        assert refused.clashes

    def test_the_same_rep_may_plan_again_and_others_other_purposes(
        self, world: World
    ) -> None:
        world.plan(world.ann)
        world.plan(world.ann, 1)
        world.plan(world.bob, 1, purpose="demo")
        world.plan(world.bob, 40)
        assert len(world.ledger(world.account).entries) == 4

    def test_logging_what_another_rep_did_is_refused_too(self, world: World) -> None:
        world.plan(world.ann, 2)
        assert world.refused(world.log, world.bob, 0).clashes

    def test_an_override_is_recorded_on_the_activity(self, world: World) -> None:
        first = world.plan(world.ann)
        second = world.plan(world.bob, 1, override_reason=REASON)
        assert event_names(world.app, second) == ["Planned", "GuardOverridden"]
        overridden = events_of(world.app, second)[-1]
        assert overridden.reason == REASON and overridden.rules == [COLLISION]
        assert overridden.colliding_ids == [first]
        assert world.app.repository.get(second).override_reason == REASON

    def test_an_override_not_needed_records_nothing_of_it(self, world: World) -> None:
        alone = world.plan(world.ann, override_reason=REASON)
        assert event_names(world.app, alone) == ["Planned"]

    def test_a_contact_without_account_has_its_own_ledger(self, world: World) -> None:
        world.plan(world.ann, contact_id=world.loner)
        world.plan(world.bob, contact_id=world.contact)  # another customer
        assert world.refused(world.plan, world.bob, contact_id=world.loner).clashes
        assert len(world.ledger(world.loner).entries) == 1

    def test_a_task_is_no_outreach(self, world: World) -> None:
        fields: dict[str, Any] = {"kind": "task", "contact_id": None}
        fields["purpose"] = "other"
        world.plan(world.ann, **fields, purpose_note="quote")
        world.plan(world.bob, **fields, purpose_note="quote")

    def test_a_follow_up_is_decided_on_with_its_origin(self, world: World) -> None:
        world.plan(world.bob, 10)
        follow = {"scheduled_at": day(8).isoformat()}
        with pytest.raises(OutreachRefused):
            world.log(
                world.ann, 20, purpose="demo", follow_up=follow | {"purpose": "renewal"}
            )
        world.log(world.ann, 20, purpose="demo", follow_up=follow | {"purpose": "demo"})


class TestChanges:
    def test_moving_a_plan_into_another_s_window_is_refused(self, world: World) -> None:
        world.plan(world.ann)
        later = world.plan(world.bob, 45)
        move = cmd.RescheduleActivity(activity_id=later, scheduled_at=day(20))
        world.refused(run, world.app, cmd.reschedule_activity, move)
        overriding = move.model_copy(update={"override_reason": REASON})
        run(world.app, cmd.reschedule_activity, overriding)
        assert world.ledger(world.account).entries[later].at == day(20)

    def test_a_new_purpose_is_decided_on(self, world: World) -> None:
        world.plan(world.ann)
        demo = world.plan(world.bob, 1, purpose="demo")
        change = cmd.ChangeActivityDetails(activity_id=demo, purpose="renewal")
        world.refused(run, world.app, cmd.change_activity_details, change)

    def test_a_cancelled_plan_frees_the_customer(self, world: World) -> None:
        first = world.plan(world.ann)
        run(
            world.app,
            cmd.cancel_activity,
            cmd.CancelActivity(activity_id=first, reason="x"),
        )
        world.plan(world.bob, 1)
        assert first not in world.ledger(world.account).entries

    def test_a_completion_is_filed_at_its_time_without_deciding(
        self, world: World
    ) -> None:
        first = world.plan(world.ann, 50)
        world.plan(world.bob)
        done = cmd.CompleteActivity(
            activity_id=first, outcome="connected", duration_minutes=3,
            completed_at=day(1),
        )  # fmt: skip
        run(world.app, cmd.complete_activity, done)
        filed = world.ledger(world.account).entries[first]
        assert (filed.status, filed.at) == ("completed", day(1))


class TestFrequencyCap:
    def test_the_cap_counts_every_rep_for_one_contact(self) -> None:
        world = World.make(Policy(cap=2, cap_days=7))
        world.plan(world.ann, 0, purpose="demo")
        world.plan(world.bob, 1, purpose="proposal", contact_id=world.colleague)
        world.plan(world.bob, 2, purpose="proposal")
        refused = world.refused(world.plan, world.ann, 3, purpose="negotiation")
        assert refused.rule == CAP and len(refused.clashes) == 2
        world.plan(world.ann, 3, purpose="negotiation", override_reason=REASON)


class TestDoNotContact:
    def test_planning_is_refused_even_with_an_override(self, world: World) -> None:
        body = RegisterContact(given_name="N", family_name="O", do_not_contact=True)
        blocked = run(world.app, register_contact, body).aggregate.id
        with pytest.raises(RuleBroken, match="not to be contacted"):
            world.plan(world.ann, contact_id=blocked, override_reason=REASON)


class RacingApp(SalesApplication):
    """A racing writer's first save waits until every racing writer got
    there: all decided on the same ledger before any saved."""

    def __init__(self, writers: int) -> None:
        super().__init__(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.loaded = threading.Barrier(writers)
        self.outreach_turns = None  # writers race as in separate processes
        self.local = threading.local()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if getattr(self.local, "racing", False):
            self.local.racing = False
            self.loaded.wait(timeout=10)
        return super().save(*objs, **kwargs)


class TestConcurrency:
    @pytest.mark.parametrize("writers", [2, 4])
    def test_one_of_racing_writers_plans_and_the_others_decide_again(
        self, writers: int
    ) -> None:
        """Given reps who all read the empty ledger, when all save, one save
        is recorded; the others conflict on the ledger, run again, and are
        refused as collisions (not as conflicts)."""
        app = RacingApp(writers)
        account = run(app, open_account, OpenAccount(name="Acme")).aggregate.id
        reps = [a_rep(app) for _ in range(writers)]
        results: list[str] = []

        def plan(rep: UUID) -> None:
            app.local.racing = True
            body = {"kind": "call", "purpose": "renewal", "account_id": account}
            command = cmd.PlanActivity.model_validate(
                body | {"owner_id": rep, "scheduled_at": T0}
            )
            try:
                execute(cmd.plan_activity, app, command, Context(ADMIN))
                results.append("planned")
            except OutreachRefused:
                results.append("refused")
            except Conflict:
                results.append("conflict")

        threads = [threading.Thread(target=plan, args=(r,)) for r in reps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == ["planned"] + ["refused"] * (writers - 1)
        ledger = load_ledger(app, account)
        assert ledger is not None and len(ledger.entries) == 1


class TestLedgerState:
    """A ledger's events each record its whole live state, pruned to what can
    still count; the last one alone rebuilds it."""

    def test_the_last_event_rebuilds_what_the_whole_history_does(
        self, world: World
    ) -> None:
        first = world.plan(world.ann, 0)
        world.plan(world.ann, 1, purpose="demo")
        run(
            world.app,
            cmd.cancel_activity,
            cmd.CancelActivity(activity_id=first, reason="x"),
        )
        from_last = world.ledger(world.account)
        replayed: OutreachLedger = world.app.repository.get(from_last.id)
        assert from_last.entries == replayed.entries
        assert from_last.version == replayed.version == 4  # opened, 2 plans, cancel

    def test_what_is_done_and_out_of_reach_is_dropped_at_the_next_write(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        done = world.log(world.ann, 0)
        planned = world.plan(world.ann, 0, purpose="demo")
        later = day(31)
        monkeypatch.setattr(outreach, "now", lambda: later)
        world.plan(world.bob, 31)  # 31 days after the renewal: no collision
        assert set(world.ledger(world.account).entries) - {done} >= {planned}
        assert done not in world.ledger(world.account).entries


class TestDoNotContactAfterPlanning:
    def test_a_plan_made_before_the_contact_asked_is_not_moved(
        self, world: World
    ) -> None:
        planned = world.plan(world.ann, 0)
        consent = SetContactConsent(
            contact_id=world.contact, do_not_contact=True, reason="asked"
        )
        run(world.app, set_contact_consent, consent)
        move = cmd.RescheduleActivity(
            activity_id=planned, scheduled_at=day(2), override_reason=REASON
        )
        with pytest.raises(RuleBroken) as refused:
            run(world.app, cmd.reschedule_activity, move)
        assert refused.value.rule == "contact_do_not_contact"
        cancel = cmd.CancelActivity(activity_id=planned, reason="they asked")
        run(world.app, cmd.cancel_activity, cancel)  # cancelling is fine
