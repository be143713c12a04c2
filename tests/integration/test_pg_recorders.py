"""The psycopg2 recorders pass the ``eventsourcing`` library's own suites."""

from __future__ import annotations

from typing import ClassVar

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    ProcessRecorder,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as suites
from eventsourcing.tests import projection as projection_suites
from eventsourcing.utils import Environment

from infra.pg_datastore import PgDatastore
from infra.pg_recorders import (
    PgAggregateRecorder,
    PgApplicationRecorder,
    PgProcessRecorder,
    PgTrackingRecorder,
)
from infra.postgres import Factory
from tests.services import drop_schema, join_stray_threads, require_postgres

SCHEMA = "sfa_test_recorders"


class PgSetup:
    """Each test starts on an empty schema of its own."""

    datastore: PgDatastore

    def setUp(self) -> None:
        url = require_postgres()
        drop_schema(url, SCHEMA)
        self.datastore = PgDatastore(url, schema=SCHEMA, poll_interval=0.2)
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        join_stray_threads()
        self.datastore.close()


class TestPgAggregateRecorder(PgSetup, suites.AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        recorder = PgAggregateRecorder(self.datastore, events_table_name="snapshots")
        recorder.create_table()
        return recorder


class TestPgApplicationRecorder(PgSetup, suites.ApplicationRecorderTestCase):
    def create_recorder(self) -> ApplicationRecorder:
        recorder = PgApplicationRecorder(self.datastore, events_table_name="events")
        recorder.create_table()
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestPgTrackingRecorder(PgSetup, suites.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        recorder = PgTrackingRecorder(self.datastore, tracking_table_name="tracking")
        recorder.create_table()
        return recorder


class TestPgProcessRecorder(PgSetup, suites.ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder = PgProcessRecorder(
            self.datastore, events_table_name="events", tracking_table_name="tracking"
        )
        recorder.create_table()
        return recorder


class TestPgNonInterleavingNotificationIDs(
    PgSetup, suites.NonInterleavingNotificationIDsBaseCase
):
    def create_recorder(self) -> ApplicationRecorder:
        recorder = PgApplicationRecorder(self.datastore, events_table_name="events")
        recorder.create_table()
        return recorder


class CustomTrackingRecorder(PgTrackingRecorder):
    pass


def pg_env(**extra: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "infra.postgres:Factory",
        "SFA_DATABASE_URL": require_postgres(),
        "SFA_DB_SCHEMA": SCHEMA,
        **extra,
    }


class TestPgInfrastructureFactory(suites.InfrastructureFactoryTestCase[Factory]):
    def setUp(self) -> None:
        self.env = Environment("TestCase", pg_env())
        drop_schema(require_postgres(), SCHEMA)
        super().setUp()

    def expected_factory_class(self) -> type[Factory]:
        return Factory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return PgAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return PgApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PgTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return CustomTrackingRecorder

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return PgProcessRecorder


class PgEventCountersView(PgTrackingRecorder, projection_suites.EventCountersView):
    """Counters written in the same transaction as the tracking record."""

    def ddl(self) -> list[str]:
        return [
            *super().ddl(),
            f'CREATE TABLE IF NOT EXISTS "{self.schema}".counters'
            " (name text PRIMARY KEY, n bigint NOT NULL)",
        ]

    def _count(self, name: str) -> int:
        with self.datastore.cursor() as curs:
            curs.execute(
                f'SELECT n FROM "{self.schema}".counters WHERE name=%s', [name]
            )
            row = curs.fetchone()
        return int(row[0]) if row else 0

    def _incr(self, name: str, tracking: Tracking) -> None:
        with self.datastore.transaction() as curs:
            curs.execute(
                f'INSERT INTO "{self.schema}".counters VALUES (%s, 1) ON CONFLICT'
                " (name) DO UPDATE SET n = counters.n + 1",
                [name],
            )
            self.insert_tracking_in(curs, tracking)

    def get_created_event_counter(self) -> int:
        return self._count("created")

    def get_subsequent_event_counter(self) -> int:
        return self._count("subsequent")

    def incr_created_event_counter(self, tracking: Tracking) -> None:
        self._incr("created", tracking)

    def incr_subsequent_event_counter(self, tracking: Tracking) -> None:
        self._incr("subsequent", tracking)


class TestPgEventCountersView(PgSetup, projection_suites.EventCountersViewTestCase):
    def construct_event_counters_view(self) -> projection_suites.EventCountersView:
        view = PgEventCountersView(self.datastore, tracking_table_name="tracking")
        view.create_table()
        return view


class TestPgProjectionRunner(
    projection_suites.AggregateEventCountersProjectionTestCase
):
    view_class = PgEventCountersView
    env: ClassVar[dict[str, str]] = {}

    def setUp(self) -> None:
        type(self).env = pg_env(SFA_DB_POLL_INTERVAL="0.2")
        drop_schema(require_postgres(), SCHEMA)


class TestPgEventSourcedProjection(projection_suites.EventSourcedProjectionTestCase):
    env: ClassVar[dict[str, str]] = {}

    def setUp(self) -> None:
        type(self).env = pg_env(SFA_DB_POLL_INTERVAL="0.2")
        drop_schema(require_postgres(), SCHEMA)
