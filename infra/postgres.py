"""The psycopg2 persistence module: ``PERSISTENCE_MODULE=infra.postgres:Factory``.

Settings, read through the application's environment:

- ``SFA_DATABASE_URL`` (required): ``postgresql://user:pass@host:port/db``
- ``SFA_DB_SCHEMA``: schema of the tables (default ``public``)
- ``SFA_DB_POOL_SIZE``: connections lent at once (default 10)
- ``SFA_DB_POLL_INTERVAL``: seconds between polls of a subscription (default 1)
- ``SFA_AUDIT_CHECKPOINT_EVERY``: positions between ledger checkpoints
  (default 1000; baked into the insert function when the tables are created)

Table names follow the library: ``<app name>_events``, ``<app name>_snapshots``
and ``<app name>_tracking`` (``stored_events`` and ``notification_tracking``
for an unnamed environment).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from eventsourcing.persistence import InfrastructureFactory, Mapper, Transcoder
from eventsourcing.utils import Environment, EnvType, resolve_topic, strtobool

from infra.ledger import CHECKPOINT_ENV
from infra.personal_data import Keys
from infra.personal_keys import PgKeyTable, sealing_mapper
from infra.pg_datastore import PgDatastore
from infra.pg_recorders import (
    PgAggregateRecorder,
    PgApplicationRecorder,
    PgProcessRecorder,
    PgRecorder,
    PgTrackingRecorder,
)

R = TypeVar("R", bound=PgRecorder)


class Factory(InfrastructureFactory[PgTrackingRecorder]):
    DATABASE_URL = "SFA_DATABASE_URL"
    SCHEMA = "SFA_DB_SCHEMA"
    POOL_SIZE = "SFA_DB_POOL_SIZE"
    POLL_INTERVAL = "SFA_DB_POLL_INTERVAL"
    CREATE_TABLE = "CREATE_TABLE"

    aggregate_recorder_class = PgAggregateRecorder
    application_recorder_class = PgApplicationRecorder
    tracking_recorder_class = PgTrackingRecorder
    process_recorder_class = PgProcessRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        url = self.env.get(self.DATABASE_URL)
        if not url:
            msg = f"PostgreSQL URL not found in environment key '{self.DATABASE_URL}'"
            raise OSError(msg)
        self.datastore = PgDatastore(
            url,
            schema=self.env.get(self.SCHEMA) or "public",
            pool_size=int(self.env.get(self.POOL_SIZE) or 10),
            poll_interval=float(self.env.get(self.POLL_INTERVAL) or 1.0),
        )
        self.keys: tuple[Keys, str] | None = None  # the sealing mapper's, if any

    def mapper(
        self,
        transcoder: Transcoder | None = None,
        mapper_class: type[Mapper[Any]] | None = None,
    ) -> Mapper[Any]:
        """Seals personal data (``infra.personal_data``) unless a mapper
        class is named."""
        if mapper_class is not None or self.env.get(self.MAPPER_TOPIC):
            return super().mapper(transcoder, mapper_class)
        prefix = self._prefix("stored")
        table = PgKeyTable(
            self.datastore, events=f"{prefix}_events", keys=f"{prefix}_personal_keys"
        )
        create = strtobool(self.env.get(self.CREATE_TABLE) or "yes")
        mapper = sealing_mapper(self, table, transcoder, create=create)
        self.keys = (mapper.keys, table.keys)  # recorded with the events
        return mapper

    def _prefix(self, default: str) -> str:
        return self.env.name.lower() or default

    def aggregate_recorder(self, purpose: str = "events") -> PgAggregateRecorder:
        recorder = self.aggregate_recorder_class(
            self.datastore, events_table_name=f"{self._prefix('stored')}_{purpose}"
        )
        return self._created(recorder)

    def application_recorder(self) -> PgApplicationRecorder:
        cls = self._recorder_class(
            self.APPLICATION_RECORDER_TOPIC, self.application_recorder_class
        )
        recorder = cls(
            self.datastore, events_table_name=f"{self._prefix('stored')}_events"
        )
        if self.keys is not None:
            recorder.record_keys_with(*self.keys)
        return self._created(recorder)

    def tracking_recorder(
        self, tracking_recorder_class: type[PgTrackingRecorder] | None = None
    ) -> PgTrackingRecorder:
        cls = tracking_recorder_class or self._recorder_class(
            self.TRACKING_RECORDER_TOPIC, self.tracking_recorder_class
        )
        recorder = cls(
            self.datastore,
            tracking_table_name=f"{self._prefix('notification')}_tracking",
        )
        return self._created(recorder)

    def process_recorder(self) -> PgProcessRecorder:
        cls = self._recorder_class(
            self.PROCESS_RECORDER_TOPIC, self.process_recorder_class
        )
        recorder = cls(
            self.datastore,
            events_table_name=f"{self._prefix('stored')}_events",
            tracking_table_name=f"{self._prefix('notification')}_tracking",
        )
        return self._created(recorder)

    def _recorder_class(self, key: str, default: type[R]) -> type[R]:
        topic = self.env.get(key)
        return cast("type[R]", resolve_topic(topic)) if topic else default

    def _created(self, recorder: R) -> R:
        every = self.env.get(CHECKPOINT_ENV)
        if every and isinstance(recorder, PgApplicationRecorder):
            recorder.checkpoint_every = max(int(every), 1)
        if strtobool(self.env.get(self.CREATE_TABLE) or "yes"):
            recorder.create_table()
        return recorder

    def close(self) -> None:
        self.datastore.close()
