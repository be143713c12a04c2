"""``select_events_many`` on PostgreSQL: several aggregates in one query, and
``load_many`` rebuilding from it what the repository rebuilds one by one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from commands.accounts import OpenAccount, open_account
from commands.activities import PlanActivity, plan_activity
from commands.application import SalesApplication
from commands.base import load_many
from infra.pg_datastore import PgDatastore
from infra.pg_recorders import PgAggregateRecorder
from infra.settings import Settings
from tests.services import drop_schema
from tests.unit.helpers import registered_rep, run

SCHEMA = "sfa_test_select_many"
APP_SCHEMA = "sfa_test_select_many_app"


@pytest.fixture
def recorder(postgres_url: str) -> Iterator[PgAggregateRecorder]:
    drop_schema(postgres_url, SCHEMA)
    datastore = PgDatastore(postgres_url, schema=SCHEMA)
    recorder = PgAggregateRecorder(datastore, events_table_name="events")
    recorder.create_table()
    yield recorder
    datastore.close()


@pytest.fixture
def app(postgres_url: str) -> Iterator[SalesApplication]:
    drop_schema(postgres_url, APP_SCHEMA)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    app = SalesApplication(env={**env, "SFA_DB_SCHEMA": APP_SCHEMA})
    yield app
    app.close()


def events(originator_id: UUID, count: int) -> list[StoredEvent]:
    return [
        StoredEvent(originator_id, v, f"topic{v}", f"state{v}".encode())
        for v in range(1, count + 1)
    ]


def test_each_aggregate_in_version_order(recorder: PgAggregateRecorder) -> None:
    a, b, c, missing = uuid4(), uuid4(), uuid4(), uuid4()
    recorder.insert_events([*events(a, 3), *events(b, 1)])
    recorder.insert_events(events(c, 2))
    found = recorder.select_events_many([b, missing, a])
    assert set(found) == {a, b}
    assert found[a] == list(recorder.select_events(a))
    assert found[b] == list(recorder.select_events(b))
    assert [e.originator_version for e in found[a]] == [1, 2, 3]
    assert all(isinstance(e.state, bytes) for e in found[a])
    assert recorder.select_events_many([]) == {}
    assert recorder.select_events_many([missing]) == {}


def test_load_many_rebuilds_what_the_repository_does(app: SalesApplication) -> None:
    assert hasattr(app.recorder, "select_events_many")
    assert app.snapshots is None and app.repository.cache is None  # the fast path
    rep_id = registered_rep(app)
    account = run(app, open_account, OpenAccount(name="Acme", owner_id=rep_id))
    account_id = UUID(str(account.aggregate.id))
    missing = uuid4()
    loaded = load_many(app, [rep_id, account_id, missing])
    assert loaded[missing] is None
    for record_id in (rep_id, account_id):
        found = loaded[record_id]
        assert found is not None
        assert found.__dict__ == app.repository.get(record_id).__dict__
    when = datetime.now(UTC) + timedelta(days=1)
    plan = PlanActivity(
        kind="call",
        purpose="prospecting",
        account_id=account_id,
        owner_id=rep_id,
        scheduled_at=when,
    )
    assert run(app, plan_activity, plan).created
