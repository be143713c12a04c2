"""The composition root: builds the engine from settings, in one place.

``api/`` and the CLI take the container and build nothing themselves.
Nothing here runs at import time; ``bootstrap()`` opens the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from commands.application import SalesApplication
from commands.pipelines import ensure_default_pipeline
from infra.kafka.producer import KafkaConfig
from infra.kafka.relay import Relay
from infra.pg_datastore import PgDatastore
from infra.projection_host import ProjectionHost
from infra.settings import Settings
from infra.view_store import PgViewStore, SQLiteViewStore, ViewStore
from projections.dedup import Dedup
from projections.dedup_query import lead_features, likely

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreHealth:
    store: Literal["postgres", "sqlite"]
    reachable: bool
    head_position: int | None
    error: str | None = None


@dataclass
class Container:
    settings: Settings
    app: SalesApplication
    projections: ProjectionHost
    relay: Relay | None = None  # when SFA_KAFKA_BOOTSTRAP is set

    def store_health(self) -> StoreHealth:
        """Asks the store once, without retrying, so a probe answers quickly."""
        recorder = self.app.recorder
        probe = getattr(recorder, "probe_head", recorder.max_notification_id)
        try:
            head = probe()
        except PersistenceError as e:
            return StoreHealth(self.settings.store_kind, False, None, str(e))
        return StoreHealth(self.settings.store_kind, True, head or 0)

    def close(self) -> None:
        if self.relay is not None:
            self.relay.close()
        self.projections.close()
        self.app.close()


def bootstrap(settings: Settings | None = None, *, seed: bool = True) -> Container:
    """``seed``: record what exists from first start (the default pipeline);
    tests that count events start from an empty log with ``seed=False``."""
    settings = settings or Settings.from_env()
    app = SalesApplication(env=settings.persistence_env())
    logger.info("store: %s", settings.store_kind)
    if seed and ensure_default_pipeline(app):
        logger.info("recorded the default sales pipeline")
    return assemble(settings, app)


def assemble(settings: Settings, app: SalesApplication) -> Container:
    """The container around an application that is already built (it takes
    the outreach guard's policy from ``settings``)."""
    app.outreach_policy = settings.outreach.policy()
    store = view_store(settings)
    app.lead_duplicates = lead_duplicates(store)
    host = ProjectionHost(app, store, poll_interval=settings.poll_interval)
    found = relay(settings, app, store)
    return Container(settings=settings, app=app, projections=host, relay=found)


def relay(settings: Settings, app: SalesApplication, store: ViewStore) -> Relay | None:
    """The Kafka relay, woken by every save, if a broker is configured."""
    if not settings.kafka_bootstrap:
        return None
    config = KafkaConfig(
        bootstrap=settings.kafka_bootstrap,
        prefix=settings.kafka_topic_prefix,
        partitions=settings.kafka_partitions,
        replication=settings.kafka_replication,
    )
    found = Relay(app, store, config, poll_interval=settings.poll_interval)
    app.after_save.append(found.wake.set)
    return found


def view_store(settings: Settings) -> ViewStore:
    """Views live beside the events: schema ``projections`` on PostgreSQL,
    ``projections_*`` tables in the SQLite file."""
    if settings.database_url:
        return PgViewStore(PgDatastore(settings.database_url, schema="projections"))
    return SQLiteViewStore(settings.sqlite_path)


def lead_duplicates(store: ViewStore) -> Callable[[Any], list[UUID]]:
    """The ids of stored contacts and accounts a lead being imported is
    likely to be (the dedup view, as far as it has caught up)."""

    def find(lead: Any) -> list[UUID]:
        person, company = lead_features(lead)
        with store.transaction() as cursor:
            found = likely(cursor, store.names(Dedup), person, company, 0.5, 10)
        return [item[0] for item in found]

    return find
