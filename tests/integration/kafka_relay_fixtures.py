"""What the relay tests share: a database of their own, an application on it
with events recorded fast, and a relay wired as ``sfa serve`` wires it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from commands import contacts
from commands.application import SalesApplication
from infra.kafka.producer import KafkaConfig
from infra.kafka.relay import Relay
from infra.pg_datastore import PgDatastore
from infra.settings import Settings
from infra.view_store import PgViewStore
from tests.services import admin_cursor
from tests.unit.helpers import run

EVENT_SCHEMA = "sfa_test_relay"


def own_database(url: str, suffix: str) -> tuple[str, bool]:
    """A database of this module's own; ``True`` if it was created here."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    try:
        with admin_cursor(url) as curs:
            curs.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            curs.execute(f'CREATE DATABASE "{name}"')
    except psycopg2.Error:
        return url, False
    return urlunsplit(parts._replace(path="/" + name)), True


def drop_database(admin_url: str, url: str) -> None:
    with admin_cursor(admin_url) as curs:
        name = urlsplit(url).path[1:]
        curs.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_app(url: str) -> SalesApplication:
    env = Settings(database_url=url).persistence_env()
    return SalesApplication(env={**env, "SFA_DB_SCHEMA": EVENT_SCHEMA})


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def pg_relay(
    app: SalesApplication, url: str, bootstrap: str, prefix: str, **options: Any
) -> Relay:
    store = PgViewStore(PgDatastore(url, schema="projections"))
    config = KafkaConfig(bootstrap=bootstrap, prefix=prefix, partitions=3)
    relay = Relay(app, store, config, poll_interval=0.2, **options)
    app.after_save.append(relay.wake.set)
    return relay


def topics_of(prefix: str) -> list[str]:
    aggregates = ["account", "activity", "contact", "opportunity", "pipeline", "rep"]
    return [f"{prefix}.{a}" for a in aggregates]


def wait_for(
    condition: Callable[[], bool], timeout: float, what: Callable[[], object]
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what()}"
        time.sleep(0.05)


class Writer:
    """Registers and renames contacts through the command layer in a thread,
    as users would, until stopped; a failed command is tried again later."""

    def __init__(self, app: SalesApplication, pause: float = 0.005) -> None:
        self.app = app
        self.pause = pause
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                self._write(n)
            except Exception:
                self.failures += 1
                time.sleep(0.1)
            self._stop.wait(self.pause)

    def _write(self, n: int) -> None:
        register = contacts.RegisterContact(given_name="Ada", family_name=f"L{n}")
        made = run(self.app, contacts.register_contact, register)
        rename = contacts.ChangeContactDetails(
            contact_id=made.aggregate.id, family_name=f"M{n}"
        )
        run(self.app, contacts.change_contact_details, rename)


def running(relay: Relay) -> Iterator[Relay]:
    relay.start()
    try:
        yield relay
    finally:
        relay.close()
