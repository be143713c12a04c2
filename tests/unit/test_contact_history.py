"""Contact history on the SQLite store: timelines, exactly once, and a
rebuild that equals the live view."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import activities, contacts
from commands.accounts import OpenAccount, open_account
from infra.view_store import SQLiteViewStore
from projections.contact_history import ContactHistory, details
from projections.runner import Runner
from tests.unit.helpers import memory_app, run

SOON = datetime.now(UTC) + timedelta(days=1)


def setup_store(tmp_path: Path) -> SQLiteViewStore:
    return SQLiteViewStore(tmp_path / "views.db")


def timeline(store: SQLiteViewStore, column: str, record_id: UUID) -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(
            "SELECT event_type, record_type, activity_kind, purpose FROM"
            f" {store.qualified('contact_history_entries')} WHERE {column} = %s"
            " ORDER BY position",
            [record_id],
        )
        return cursor.fetchall()


def rows(store: SQLiteViewStore, table: str) -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(f"SELECT * FROM {store.qualified(table)} ORDER BY 1")
        return cursor.fetchall()


def register(app: Any, account_id: UUID | None = None) -> UUID:
    command = contacts.RegisterContact(
        given_name="Ada", family_name="Lovelace", account_id=account_id
    )
    return UUID(str(run(app, contacts.register_contact, command).aggregate.id))


def plan_call(app: Any, contact_id: UUID) -> UUID:
    command = activities.PlanActivity(
        kind="call", purpose="demo", contact_id=contact_id, scheduled_at=SOON
    )
    return UUID(str(run(app, activities.plan_activity, command).aggregate.id))


class TestContactHistory:
    def test_timeline_of_a_contact_and_its_account(self, tmp_path: Path) -> None:
        app, store = memory_app(), setup_store(tmp_path)
        account = run(app, open_account, OpenAccount(name="Acme")).aggregate.id
        contact_id = register(app, account)
        call = plan_call(app, contact_id)
        done = activities.CompleteActivity(
            activity_id=call, outcome="connected", duration_minutes=5
        )
        run(app, activities.complete_activity, done)
        change = contacts.ChangeContactDetails(contact_id=contact_id, title="CTO")
        run(app, contacts.change_contact_details, change)

        Runner(ContactHistory(), store, app).catch_up()

        assert [row[0] for row in timeline(store, "contact_id", contact_id)] == [
            "sfa.contact.registered.v1",
            "sfa.activity.planned.v1",
            "sfa.activity.completed.v1",
            "sfa.contact.title_changed.v1",
        ]
        assert timeline(store, "contact_id", contact_id)[2][2:] == ("call", "demo")
        account_events = [row[0] for row in timeline(store, "account_id", account)]
        assert account_events[0] == "sfa.account.opened.v1"
        assert len(account_events) == 5

    def test_each_event_is_applied_once(self, tmp_path: Path) -> None:
        app, store = memory_app(), setup_store(tmp_path)
        contact_id = register(app)
        first = Runner(ContactHistory(), store, app, batch_size=1)
        first.catch_up()
        Runner(ContactHistory(), store, app).catch_up()  # a second runner
        plan_call(app, contact_id)
        first.catch_up()
        assert len(timeline(store, "contact_id", contact_id)) == 2
        assert store.position("contact_history") == app.recorder.max_notification_id()


commands_strategy = st.lists(
    st.sampled_from(["register", "plan", "complete", "rename", "catch_up"]),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=commands_strategy, batch=st.integers(1, 7))
def test_rebuilt_view_equals_the_live_one(
    tmp_path_factory: Any, steps: list[str], batch: int
) -> None:
    """Given random commands with the live view catching up at random moments
    in random batch sizes, a rebuild from zero gives the same rows."""
    app = memory_app()
    store = setup_store(tmp_path_factory.mktemp("views"))
    live = Runner(ContactHistory(), store, app, batch_size=batch)
    people: list[UUID] = []
    planned: list[UUID] = []
    for step in steps:
        if step == "register" or not people:
            people.append(register(app))
        elif step == "plan":
            planned.append(plan_call(app, people[-1]))
        elif step == "complete" and planned:
            done = activities.CompleteActivity(
                activity_id=planned.pop(), outcome="no_answer", duration_minutes=1
            )
            run(app, activities.complete_activity, done)
        elif step == "rename":
            change = contacts.ChangeContactDetails(
                contact_id=people[0], given_name=f"Ada{len(steps)}"
            )
            run(app, contacts.change_contact_details, change)
        else:
            live.catch_up()
    live.catch_up()
    before = {t: rows(store, f"contact_history_{t}") for t in ContactHistory.tables}

    Runner(ContactHistory(), store, app, shadow=True, batch_size=3).catch_up()
    store.swap(ContactHistory)

    after = {t: rows(store, f"contact_history_{t}") for t in ContactHistory.tables}
    assert after == before
    assert store.position("contact_history") == app.recorder.max_notification_id()


@given(
    st.dictionaries(
        st.text(min_size=1).filter(lambda key: key not in ("originator_id", "actor")),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.text(),
            st.uuids(),
            st.datetimes(timezones=st.just(UTC)),
            st.decimals(allow_nan=False),
            st.lists(st.text(), max_size=3),
            st.dictionaries(st.text(), st.uuids(), max_size=3),
        ),
        max_size=8,
    )
)
def test_details_are_what_json_dumps_writes(fields: dict[str, Any]) -> None:
    """Given an event's fields of any kind a domain event holds (texts beyond
    ASCII, UUIDs, datetimes, decimals, nested), its entry's details are the
    bytes ``json.dumps(..., default=str, sort_keys=True)`` writes, without
    the event's metadata."""
    event = SimpleNamespace(**fields, originator_id=UUID(int=1), actor="rep")
    assert details(event) == json.dumps(fields, default=str, sort_keys=True)
