"""Applications on one PostgreSQL event store (two as two processes would
be), and a view store beside them, in schemas of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from commands.application import SalesApplication
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.services import drop_schema

Engine = tuple[SalesApplication, SalesApplication, PgViewStore]
OneEngine = tuple[SalesApplication, PgViewStore]


def application(postgres_url: str, schema: str) -> SalesApplication:
    env = {**Settings(database_url=postgres_url).persistence_env()}
    return SalesApplication(env={**env, "SFA_DB_SCHEMA": schema})


@contextmanager
def one_engine(postgres_url: str, schema: str, views: str) -> Iterator[OneEngine]:
    """An application and a view store; both schemas are dropped before."""
    for name in (schema, views):
        drop_schema(postgres_url, name)
    app = application(postgres_url, schema)
    datastore = PgDatastore(postgres_url, schema=views)
    try:
        yield app, PgViewStore(datastore, schema=views)
    finally:
        datastore.close()
        app.close()


@contextmanager
def two_engines(postgres_url: str, schema: str, views: str) -> Iterator[Engine]:
    """Both schemas are dropped before and after."""
    try:
        with one_engine(postgres_url, schema, views) as (one, store):
            two = application(postgres_url, schema)
            try:
                yield one, two, store
            finally:
                two.close()
    finally:
        for name in (schema, views):
            drop_schema(postgres_url, name)
