"""The rep agenda on the SQLite store: one test class per reason, given /
when / then with explicit days, and a rebuild that equals the live view."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.schemas.agenda import ItemOut, Reason
from commands import accounts, activities, contacts, opportunities, pipelines
from commands.application import SalesApplication
from domain.base import DomainError
from infra.view_store import SQLiteViewStore, ViewStore
from projections.agenda import Agenda, utc
from projections.agenda_query import REASONS, Day, agenda
from projections.runner import Runner
from tests.unit.helpers import memory_app, registered_rep, run
from tests.view_rows import view_rows

TODAY = date(2030, 3, 15)
OVERRIDE = "tests the agenda, not the outreach guard"


def at(days: int, hour: int = 9, minute: int = 0, tz: tzinfo = UTC) -> datetime:
    """``days`` after TODAY (negative: before), at ``hour``:``minute``."""
    return datetime.combine(TODAY + timedelta(days=days), time(hour, minute), tz)


DEAL_HANDLERS: dict[type[Any], Any] = {
    opportunities.ChangeOpportunityDetails: opportunities.change_opportunity_details,
    opportunities.WinOpportunity: opportunities.win_opportunity,
    opportunities.LoseOpportunity: opportunities.lose_opportunity,
    opportunities.ReopenOpportunity: opportunities.reopen_opportunity,
    opportunities.AssignOpportunityOwner: opportunities.assign_opportunity_owner,
}


@dataclass
class World:
    """A rep, a colleague, one account with a contact, and the agenda view."""

    app: SalesApplication
    store: ViewStore
    rep: UUID
    colleague: UUID
    account: UUID
    contact: UUID
    runner: Runner = field(init=False)

    def __post_init__(self) -> None:
        self.runner = Runner(Agenda(), self.store, self.app)

    def plan(self, when: datetime, owner: UUID | None = None, **fields: Any) -> UUID:
        body = {"kind": "call", "purpose": "demo", "contact_id": self.contact}
        body["override_reason"] = OVERRIDE
        command = activities.PlanActivity.model_validate(
            body | {"scheduled_at": when, "owner_id": owner or self.rep} | fields
        )
        return self.id_of(run(self.app, activities.plan_activity, command))

    def complete(self, activity: UUID, when: datetime, **fields: Any) -> None:
        command = activities.CompleteActivity.model_validate(
            {"activity_id": activity, "outcome": "connected", "duration_minutes": 5}
            | {"completed_at": when, "override_reason": OVERRIDE}
            | fields
        )
        run(self.app, activities.complete_activity, command)

    def log(self, when: datetime, owner: UUID | None = None, **fields: Any) -> UUID:
        body = {"kind": "call", "purpose": "demo", "contact_id": self.contact}
        body["override_reason"] = OVERRIDE
        command = activities.LogActivity.model_validate(
            body
            | {"outcome": "connected", "duration_minutes": 5, "completed_at": when}
            | {"owner_id": owner or self.rep}
            | fields
        )
        return self.id_of(run(self.app, activities.log_activity, command))

    def open_deal(self, close: date, owner: UUID | None = None) -> UUID:
        command = opportunities.OpenOpportunity(
            account_id=self.account,
            name="Fleet",
            currency="EUR",
            expected_close_date=close,
            owner_id=owner or self.rep,
        )
        return self.id_of(run(self.app, opportunities.open_opportunity, command))

    def change_deal(self, command: type[Any], **fields: Any) -> None:
        run(self.app, DEAL_HANDLERS[command], command(**fields))

    def contact_without_account(self) -> UUID:
        command = contacts.RegisterContact(given_name="Bo", family_name="B")
        return self.id_of(run(self.app, contacts.register_contact, command))

    def id_of(self, outcome: Any) -> UUID:
        return UUID(str(outcome.aggregate.id))

    def found(
        self, day: date = TODAY, tz: tzinfo = UTC, rep: UUID | None = None
    ) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of the rep's agenda, after the view has caught up."""
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            return agenda(
                cursor,
                self.store.names(Agenda),
                rep_id=rep or self.rep,
                day=Day(day, tz),
                limit=100,
            )

    def items(self, day: date = TODAY) -> list[ItemOut]:
        """The agenda as the API answers it."""
        found = self.found(day)
        return [ItemOut.of(r, row) for r, rows in found.items() for row in rows]

    def agenda(
        self, day: date = TODAY, tz: tzinfo = UTC, rep: UUID | None = None
    ) -> dict[str, list[UUID]]:
        """The ids on the rep's agenda for ``day``, per reason (empty ones
        left out)."""
        found = self.found(day, tz, rep)
        return {
            r: [UUID(str(row[0])) for row in rows] for r, rows in found.items() if rows
        }


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


def make_world(
    tmp_path: Path,
    app: SalesApplication | None = None,
    store: ViewStore | None = None,
) -> World:
    """In memory on SQLite unless given an application and a store."""
    app = app or memory_app()
    pipelines.ensure_default_pipeline(app)
    account = run(app, accounts.open_account, accounts.OpenAccount(name="Acme"))
    command = contacts.RegisterContact(
        given_name="Ada", family_name="L", account_id=account.aggregate.id
    )
    contact = run(app, contacts.register_contact, command)
    return World(
        app,
        store or SQLiteViewStore(tmp_path / "views.db"),
        registered_rep(app),
        registered_rep(app),
        account.aggregate.id,
        contact.aggregate.id,
    )


def test_the_api_names_every_reason() -> None:
    assert set(get_args(Reason)) == set(REASONS)


def check_items(world: World) -> None:
    """Given a call due today and a stale deal past its close date, each item
    as the API answers it: the reason, a link to its record and the record's
    facts, in their own types."""
    due = world.plan(at(0, 9, 30), purpose="renewal")
    world.log(at(-20))  # the account's last activity ...
    world.plan(at(5))  # ... whose follow-up is planned
    deal = world.open_deal(TODAY - timedelta(days=2))
    items = {item.reason: item for item in world.items()}
    assert set(items) == {"due_today", "close_date_passed", "stale_deal"}
    call = items["due_today"]
    assert (call.record_type, call.link) == ("activity", f"/activities/{due}")
    assert call.activity is not None and call.opportunity is None
    assert (call.activity.kind, call.activity.purpose) == ("call", "renewal")
    assert call.activity.scheduled_at == at(0, 9, 30)
    assert call.activity.account_id == world.account  # the contact's account
    stale = items["stale_deal"]
    assert stale.link == f"/opportunities/{deal}" and stale.opportunity is not None
    assert stale.opportunity.last_activity_at == at(-20)
    assert stale.opportunity.expected_close_date == TODAY - timedelta(days=2)
    assert (stale.opportunity.amount, stale.opportunity.stage) == (
        Decimal(0),
        "prospecting",
    )


def test_items_say_why_and_link_their_record(world: World) -> None:
    check_items(world)


class TestDueTodayAndOverdue:
    def test_planned_before_the_day_is_overdue_during_it_due_today(
        self, world: World
    ) -> None:
        yesterday = world.plan(at(-1, 16))
        morning, night = world.plan(at(0, 0)), world.plan(at(0, 23, 59))
        world.plan(at(1, 0))  # tomorrow: not yet

        assert world.agenda() == {"overdue": [yesterday], "due_today": [morning, night]}

    def test_only_the_rep_s_still_planned_activities(self, world: World) -> None:
        done, cancelled = world.plan(at(-2)), world.plan(at(-1))
        world.plan(at(0), owner=world.colleague)
        world.plan(
            at(0), kind="task", contact_id=None, purpose="other", purpose_note="x"
        )
        world.complete(done, at(-2, 10), follow_up={"scheduled_at": at(5)})
        cancel = activities.CancelActivity(activity_id=cancelled, reason="ill")
        run(world.app, activities.cancel_activity, cancel)

        assert list(world.agenda()) == ["due_today"]
        assert len(world.agenda()["due_today"]) == 1  # the task
        assert len(world.agenda(rep=world.colleague)["due_today"]) == 1

    def test_rescheduling_moves_it(self, world: World) -> None:
        call = world.plan(at(-3))
        move = activities.RescheduleActivity(activity_id=call, scheduled_at=at(0, 15))
        run(world.app, activities.reschedule_activity, move)

        assert world.agenda() == {"due_today": [call]}
        assert world.agenda(TODAY - timedelta(days=1)) == {}

    def test_the_day_is_the_rep_s_own_in_their_time_zone(self, world: World) -> None:
        berlin = ZoneInfo("Europe/Berlin")  # UTC+1 in March 2030
        late = world.plan(at(0, 23, 30))  # already tomorrow in Berlin
        early = world.plan(at(0, 0, 30, tz=berlin))  # yesterday in UTC

        assert world.agenda(tz=berlin) == {"due_today": [early]}
        assert world.agenda() == {"overdue": [early], "due_today": [late]}


class TestFollowUpMissing:
    def test_a_contact_made_with_nothing_planned_after_it(self, world: World) -> None:
        call = world.log(at(-1))

        assert world.agenda() == {"follow_up_missing": [call]}

    def test_not_when_it_planned_its_follow_up(self, world: World) -> None:
        world.log(at(-1), follow_up={"scheduled_at": at(2).isoformat()})

        assert world.agenda() == {}

    def test_not_when_anyone_plans_anything_with_the_customer(
        self, world: World
    ) -> None:
        world.log(at(-1))  # with the contact, so with their account
        world.plan(at(9), world.colleague, contact_id=None, account_id=world.account)

        assert world.agenda() == {}

    def test_only_the_customer_s_last_contact_and_only_if_it_was_the_rep_s(
        self, world: World
    ) -> None:
        world.log(at(-4))
        last = world.log(at(-2))
        assert world.agenda() == {"follow_up_missing": [last]}

        world.log(at(-1), owner=world.colleague)  # the colleague spoke last
        assert world.agenda() == {}
        assert list(world.agenda(rep=world.colleague)) == ["follow_up_missing"]

    def test_a_cancelled_follow_up_was_a_decision(self, world: World) -> None:
        follow_up = uuid4()
        plan = {"id": str(follow_up), "scheduled_at": at(3).isoformat()}
        world.log(at(-2), follow_up=plan)
        cancel = activities.CancelActivity(activity_id=follow_up, reason="no budget")
        run(world.app, activities.cancel_activity, cancel)

        assert world.agenda() == {}

    def test_completions_of_the_30_days_up_to_the_day(self, world: World) -> None:
        other = world.contact_without_account()
        oldest = world.log(at(-29, 0))
        before = world.log(at(-30, 23, 59), contact_id=other)

        assert world.agenda() == {"follow_up_missing": [oldest]}
        assert world.agenda(TODAY - timedelta(days=30)) == {
            "follow_up_missing": [before]
        }
        assert world.agenda(TODAY + timedelta(days=1)) == {}

    def test_internal_tasks_promise_nothing(self, world: World) -> None:
        world.log(
            at(-1),
            kind="task",
            contact_id=None,
            outcome="completed",
            purpose="other",
            purpose_note="expenses",
        )

        assert world.agenda() == {}


class TestCloseDatePassed:
    def test_open_deals_whose_close_date_is_before_the_day(self, world: World) -> None:
        late = world.open_deal(TODAY - timedelta(days=1))
        world.open_deal(TODAY)

        assert world.agenda()["close_date_passed"] == [late]
        assert world.agenda(TODAY - timedelta(days=1)).get("close_date_passed") is None

    def test_follows_the_close_date_the_outcome_and_the_owner(
        self, world: World
    ) -> None:
        deal = world.open_deal(TODAY - timedelta(days=5))
        world.change_deal(
            opportunities.ChangeOpportunityDetails,
            opportunity_id=deal,
            expected_close_date=TODAY + timedelta(days=9),
        )
        assert "close_date_passed" not in world.agenda()
        later = TODAY + timedelta(days=10)
        assert world.agenda(later)["close_date_passed"] == [deal]

        world.change_deal(opportunities.WinOpportunity, opportunity_id=deal)
        assert "close_date_passed" not in world.agenda(later)
        world.change_deal(opportunities.ReopenOpportunity, opportunity_id=deal)
        assert world.agenda(later)["close_date_passed"] == [deal]

        world.change_deal(
            opportunities.AssignOpportunityOwner,
            opportunity_id=deal,
            owner_id=world.colleague,
        )
        assert "close_date_passed" not in world.agenda(later)
        colleague = world.agenda(later, rep=world.colleague)
        assert colleague["close_date_passed"] == [deal]


class TestStaleDeal:
    def test_no_completed_activity_with_its_account_in_14_days(
        self, world: World
    ) -> None:
        deal = world.open_deal(TODAY + timedelta(days=30))
        world.log(at(-14, 23, 59))  # with the account's contact
        world.plan(at(0), account_id=world.account)  # a plan is no activity
        assert world.agenda()["stale_deal"] == [deal]

        world.log(at(-13, 0), contact_id=None, account_id=world.account)
        assert "stale_deal" not in world.agenda()
        assert world.agenda(TODAY + timedelta(days=1))["stale_deal"] == [deal]

    def test_a_deal_opened_within_14_days_is_not_stale(self, world: World) -> None:
        opened = datetime.now(UTC).date()  # deals open at the time they are recorded
        deal = world.open_deal(opened + timedelta(days=60))

        assert "stale_deal" not in world.agenda(opened + timedelta(days=13))
        assert world.agenda(opened + timedelta(days=14))["stale_deal"] == [deal]

    def test_only_the_rep_s_open_deals(self, world: World) -> None:
        lost = world.open_deal(TODAY + timedelta(days=30))
        world.open_deal(TODAY + timedelta(days=30), owner=world.colleague)
        open_ = world.open_deal(TODAY + timedelta(days=30))
        world.change_deal(
            opportunities.LoseOpportunity, opportunity_id=lost, reason="price"
        )

        assert world.agenda()["stale_deal"] == [open_]


def test_times_are_stored_in_utc_and_clamped_at_the_calendar_s_ends() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert utc(datetime(2030, 3, 15, 1, tzinfo=plus_two)).isoformat() == (
        "2030-03-14T23:00:00+00:00"
    )
    assert utc(datetime(1, 1, 1, tzinfo=plus_two)) == datetime.min.replace(tzinfo=UTC)
    assert utc(date(2030, 3, 15)) == date(2030, 3, 15)


ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]


@dataclass
class State:
    """What random commands act on; ``n`` picks among them and shapes them."""

    world: World
    n: int = 0
    contacts: list[UUID] = field(default_factory=list)
    planned: list[UUID] = field(default_factory=list)
    deals: list[UUID] = field(default_factory=list)

    def pick(self, among: list[UUID]) -> UUID:
        return among[self.n % len(among)]

    @property
    def when(self) -> datetime:
        return at(self.n % 11 - 5, self.n % 24, tz=ZONES[self.n % 3])

    @property
    def owner(self) -> UUID:
        return [self.world.rep, self.world.colleague][self.n % 2]

    @property
    def follow_up(self) -> dict[str, Any] | None:
        return {"scheduled_at": self.when + timedelta(days=2)} if self.n % 3 else None


def new_contact(s: State) -> None:
    command = contacts.RegisterContact(
        given_name="A",
        family_name=str(s.n),
        account_id=s.world.account if s.n % 2 else None,
    )
    s.contacts.append(
        s.world.id_of(run(s.world.app, contacts.register_contact, command))
    )


def move_contact(s: State) -> None:
    change = contacts.ChangeContactDetails(
        contact_id=s.pick(s.contacts), account_id=s.world.account
    )
    run(s.world.app, contacts.change_contact_details, change)


def plan(s: State) -> None:
    s.planned.append(s.world.plan(s.when, s.owner, contact_id=s.pick(s.contacts)))


def log(s: State) -> None:
    s.world.log(s.when, s.owner, contact_id=s.pick(s.contacts), follow_up=s.follow_up)


def complete(s: State) -> None:
    if s.planned:
        s.world.complete(s.pick(s.planned), s.when, follow_up=s.follow_up)


def cancel(s: State) -> None:
    if s.planned:
        command = activities.CancelActivity(activity_id=s.pick(s.planned), reason="x")
        run(s.world.app, activities.cancel_activity, command)


def reschedule(s: State) -> None:
    if s.planned:
        command = activities.RescheduleActivity(
            activity_id=s.pick(s.planned), scheduled_at=s.when
        )
        run(s.world.app, activities.reschedule_activity, command)


def open_deal(s: State) -> None:
    s.deals.append(s.world.open_deal(TODAY + timedelta(days=s.n % 9 - 4), s.owner))


def change_deal(s: State) -> None:
    """Close date, win, lose, reopen or a new owner, by ``n``."""
    if not s.deals:
        return
    deal = {"opportunity_id": s.pick(s.deals)}
    close = {"expected_close_date": TODAY + timedelta(days=s.n % 7 - 3)}
    choices: list[tuple[type[Any], dict[str, Any]]] = [
        (opportunities.ChangeOpportunityDetails, close),
        (opportunities.WinOpportunity, {}),
        (opportunities.LoseOpportunity, {"reason": "price"}),
        (opportunities.ReopenOpportunity, {}),
        (opportunities.AssignOpportunityOwner, {"owner_id": s.owner}),
    ]
    command, fields = choices[s.n % 5]
    s.world.change_deal(command, **deal, **fields)


def catch_up(s: State) -> None:
    s.world.runner.catch_up()


ACTIONS: dict[str, Callable[[State], None]] = {
    "contact": new_contact,
    "move": move_contact,
    "plan": plan,
    "log": log,
    "complete": complete,
    "cancel": cancel,
    "reschedule": reschedule,
    "deal": open_deal,
    "change_deal": change_deal,
    "catch_up": catch_up,
}


def rows(store: ViewStore) -> dict[str, list[Any]]:
    return view_rows(store, Agenda, "1")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(list(ACTIONS)), st.integers(0, 1000)), max_size=30
    ),
    batch=st.integers(1, 7),
)
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[tuple[str, int]], batch: int
) -> None:
    """Given random commands with the live view catching up at random moments
    in random batch sizes, a rebuild from zero gives the same rows (and so
    the same agenda for every day)."""
    world = make_world(tmp_path_factory.mktemp("agenda"))
    world.runner = Runner(Agenda(), world.store, world.app, batch_size=batch)
    state = State(world, contacts=[world.contact])
    for action, n in steps:
        state.n = n
        with suppress(DomainError):  # refused: nothing recorded
            ACTIONS[action](state)
    world.runner.catch_up()
    live = rows(world.store)

    Runner(Agenda(), world.store, world.app, shadow=True, batch_size=3).catch_up()
    world.store.swap(Agenda)

    assert rows(world.store) == live
    assert world.store.position("agenda") == world.app.recorder.max_notification_id()
