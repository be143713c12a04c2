"""The outreach view on the SQLite store: current outreach per account and
per contact within each purpose's look-back window, the overrides, and a
rebuild from zero that equals the live view."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas.collisions import PurposeOut
from commands import activities as cmd
from commands.contacts import ChangeContactDetails, change_contact_details
from domain.base import DomainError
from domain.outreach_rules import COLLISION, Policy
from infra.view_store import SQLiteViewStore, ViewStore
from projections.outreach import Outreach
from projections.outreach_query import Customer, current, overrides
from projections.runner import Runner
from tests.unit.helpers import run
from tests.unit.test_outreach_guard import REASON, World, day
from tests.view_rows import view_rows


class Viewed:
    def __init__(self, world: World, store: ViewStore) -> None:
        self.world, self.store = world, store
        self.runner = Runner(Outreach(), store, world.app)

    def current(self, now: datetime, **customer: UUID) -> list[dict[str, Any]]:
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            names = self.store.names(Outreach)
            policy = self.world.app.outreach_policy
            return current(cursor, names, Customer(**customer), now, policy)

    def ids(self, now: datetime, **customer: UUID) -> list[UUID]:
        return [row["activity_id"] for row in self.current(now, **customer)]

    def overrides(self, rep_id: UUID | None = None) -> list[dict[str, Any]]:
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            names = self.store.names(Outreach)
            return overrides(cursor, names, rep_id=rep_id, before=None, limit=50)


@pytest.fixture
def viewed(tmp_path: Path) -> Viewed:
    world = World.make(Policy(windows=(("demo", 7),)))
    return Viewed(world, SQLiteViewStore(tmp_path / "views.db"))


def complete(world: World, activity_id: UUID, when: datetime) -> None:
    done = cmd.CompleteActivity(
        activity_id=activity_id, outcome="connected", duration_minutes=3,
        completed_at=when,
    )  # fmt: skip
    run(world.app, cmd.complete_activity, done)


class TestCurrentOutreach:
    def test_planned_and_done_within_the_purpose_s_window(self, viewed: Viewed) -> None:
        w = viewed.world
        renewal = w.log(w.ann, 0)
        demo = w.log(w.ann, 0, purpose="demo")
        planned = w.plan(w.ann, 90, purpose="proposal")
        assert viewed.ids(day(6), account_id=w.account) == [demo, planned, renewal]
        assert viewed.ids(day(8), account_id=w.account) == [planned, renewal]
        assert viewed.ids(day(31), account_id=w.account) == [planned]

    def test_an_account_shows_its_contacts_and_a_contact_its_account(
        self, viewed: Viewed
    ) -> None:
        w = viewed.world
        mine = w.plan(w.ann, 0)
        colleague = w.plan(w.ann, 0, purpose="demo", contact_id=w.colleague)
        account = w.plan(w.ann, 1, contact_id=None, account_id=w.account)
        alone = w.plan(w.bob, 0, contact_id=w.loner)
        found = set(viewed.ids(day(0), account_id=w.account))
        assert found == {mine, colleague, account}
        assert set(viewed.ids(day(0), contact_id=w.contact)) == {mine, account}
        assert viewed.ids(day(0), contact_id=w.loner) == [alone]

    def test_rows_say_who_through_which_department_and_when(
        self, viewed: Viewed
    ) -> None:
        w = viewed.world
        planned = w.plan(w.ann, 2, department="service")
        [row] = viewed.current(day(0), contact_id=w.contact)
        assert (row["activity_id"], row["rep_id"]) == (planned, w.ann)
        assert (row["department"], row["status"], row["at"]) == (
            "service",
            "planned",
            day(2),
        )

    def test_cancelled_leaves_and_completed_moves_to_its_time(
        self, viewed: Viewed
    ) -> None:
        w = viewed.world
        cancelled, completed = w.plan(w.ann, 1), w.plan(w.ann, 2)
        cancel = cmd.CancelActivity(activity_id=cancelled, reason="ill")
        run(w.app, cmd.cancel_activity, cancel)
        complete(w, completed, day(3))
        [row] = viewed.current(day(4), account_id=w.account)
        assert (row["status"], row["completed_at"], row["at"]) == (
            "completed",
            day(3),
            day(3),
        )

    def test_a_moved_contact_s_earlier_outreach_stays_with_its_old_account(
        self, viewed: Viewed
    ) -> None:
        w = viewed.world
        before = w.plan(w.ann, 0)
        move = ChangeContactDetails(contact_id=w.contact, account_id=None)
        run(w.app, change_contact_details, move)
        assert viewed.ids(day(0), account_id=w.account) == [before]


class TestOverrides:
    def test_an_override_is_listed_with_rules_and_colliding_ids(
        self, viewed: Viewed
    ) -> None:
        w = viewed.world
        first = w.plan(w.ann, 0)
        second = w.plan(w.bob, 1, override_reason=REASON, department="service")
        [listed] = viewed.overrides()
        assert (listed["activity_id"], listed["reason"]) == (second, REASON)
        assert listed["rules"] == [COLLISION]
        assert listed["colliding_ids"] == [str(first)]
        assert (listed["rep_id"], listed["department"]) == (w.bob, "service")
        assert (listed["account_id"], listed["purpose"]) == (w.account, "renewal")
        assert viewed.overrides(rep_id=w.ann) == []
        [row] = [r for r in viewed.current(day(0), account_id=w.account)
                 if r["activity_id"] == second]  # fmt: skip
        assert row["override_reason"] == REASON


def table_rows(store: ViewStore) -> dict[str, list[tuple[Any, ...]]]:
    return view_rows(store, Outreach, "1")


ACTIONS = ("plan", "log", "override", "cancel", "complete", "reschedule")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.integers(0, 60)), max_size=25
    ),
    batch=st.integers(1, 7),
)
def test_a_rebuild_equals_the_live_view(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[str, int]],
    batch: int,
) -> None:
    """Given random outreach commands caught up in random batch sizes, a
    rebuild from zero gives the same rows."""
    w = World.make(Policy(cap=3))
    store = SQLiteViewStore(tmp_path_factory.mktemp("outreach") / "views.db")
    runner = Runner(Outreach(), store, w.app, batch_size=batch)
    made: list[UUID] = []
    for action, n in steps:
        rep = (w.ann, w.bob)[n % 2]
        contact = (w.contact, w.colleague, w.loner)[n % 3]
        with suppress(DomainError):  # refused: nothing recorded
            if action in ("plan", "override"):
                reason = REASON if action == "override" else None
                made.append(w.plan(rep, n, contact_id=contact, override_reason=reason))
            elif action == "log":
                made.append(w.log(rep, n, contact_id=contact))
            elif made:
                target = made[n % len(made)]
                if action == "cancel":
                    change: Any = cmd.CancelActivity(activity_id=target, reason="x")
                    run(w.app, cmd.cancel_activity, change)
                elif action == "complete":
                    complete(w, target, day(n) + timedelta(hours=1))
                else:
                    move = cmd.RescheduleActivity(
                        activity_id=target, scheduled_at=day(n)
                    )
                    run(w.app, cmd.reschedule_activity, move)
        if n % 5 == 0:
            runner.catch_up()
    runner.catch_up()
    live = table_rows(store)
    Runner(Outreach(), store, w.app, shadow=True, batch_size=3).catch_up()
    store.swap(Outreach)
    assert table_rows(store) == live
    assert store.position("outreach") == w.app.recorder.max_notification_id()


class TestCollidingFlag:
    """``GET /dedup/collisions`` flags a purpose as the guard would decide."""

    def rows(self, w: World, *days: int) -> list[dict[str, Any]]:
        reps = [w.ann, w.bob]
        return [
            {"activity_id": uuid4(), "purpose": "renewal", "kind": "call",
             "contact_id": w.contact, "account_id": w.account,
             "rep_id": reps[n % 2], "department": None, "status": "planned",
             "scheduled_at": day(d), "completed_at": None, "at": day(d),
             "override_reason": None}
            for n, d in enumerate(days)
        ]  # fmt: skip

    @pytest.mark.parametrize(("days", "colliding"), [((0, 40), False), ((0, 5), True)])
    def test_two_reps_collide_only_within_the_window(
        self, viewed: Viewed, days: tuple[int, int], colliding: bool
    ) -> None:
        rows = self.rows(viewed.world, *days)
        found = PurposeOut.of("renewal", rows, viewed.world.app.outreach_policy)
        assert found.colliding is colliding
        assert found.reps == [viewed.world.ann, viewed.world.bob]
