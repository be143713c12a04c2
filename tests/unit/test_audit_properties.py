"""Properties of the audit reads and the ledger, over random histories.

- State as of version N equals replaying the first N events, with or without
  snapshots, and equals what a simple model of the record says; as of the
  moment of version N's event it is the same state.
- Verify passes on an untouched log and fails at exactly the position whose
  bytes were altered.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import to_jsonable_python

from commands.application import SalesApplication
from domain.contact import Contact
from infra import ledger
from infra.audit_log import state_at
from infra.sqlite import Factory

FIELDS = ("given_name", "family_name", "title", "department", "emails")
names = st.text(st.characters(codec="utf-8"), max_size=8)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("rename"), names, names),
        st.tuples(st.just("title"), st.none() | names),
        st.tuples(st.just("department"), st.none() | names),
        st.tuples(st.just("emails"), st.lists(names, max_size=2).map(tuple)),
    ),
    min_size=1,
    max_size=25,
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def apply(contact: Contact, step: tuple[Any, ...]) -> None:
    kind, *args = step
    if kind == "rename":
        contact.rename(*args)
    elif kind == "title":
        contact.change_title(args[0])
    elif kind == "department":
        contact.assign_department(args[0])
    else:
        contact.change_emails(args[0])


def snapshot_of(contact: Contact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in FIELDS}


def app_on(path: Path, *, snapshots: bool) -> SalesApplication:
    env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory", "SQLITE_DBNAME": str(path)}
    if snapshots:
        env["IS_SNAPSHOTTING_ENABLED"] = "y"
    return SalesApplication(env=env)


@SETTINGS
@given(steps=steps, snapshot_every=st.integers(1, 6))
def test_state_as_of_version_equals_a_replay(
    steps: list[tuple[Any, ...]], snapshot_every: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sfa.db"
        app = app_on(path, snapshots=True)
        contact = Contact(id=uuid4(), given_name="A", family_name="B")
        model = {contact.version: snapshot_of(contact)}
        app.save(contact)
        for step in steps:
            before = contact.version
            apply(contact, step)
            if contact.version == before:
                continue  # a change that changes nothing records nothing
            app.save(contact)
            model[contact.version] = snapshot_of(contact)
            if contact.version % snapshot_every == 0:
                app.take_snapshot(contact.id, version=contact.version)
        plain = app_on(path, snapshots=False)
        for version, expected in model.items():
            with_snapshots = state_at(app, contact.id, version=version)
            replayed = state_at(plain, contact.id, version=version)
            assert with_snapshots == replayed
            assert {k: with_snapshots.state[k] for k in FIELDS} == (
                to_jsonable_python(expected)
            )
            assert with_snapshots.version == version
            at_that_moment = state_at(app, contact.id, as_of=replayed.modified_on)
            assert at_that_moment == replayed
        app.close()
        plain.close()


events = st.lists(st.integers(1, 4), min_size=1, max_size=12).map(
    lambda sizes: [
        [StoredEvent(uuid4(), 1, "t", bytes([n]) * n) for n in range(1, size + 1)]
        for size in sizes
    ]
)


@SETTINGS
@given(writes=events, data=st.data())
def test_verify_fails_at_exactly_the_altered_position(
    writes: list[list[StoredEvent]], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sfa.db"
        factory = Factory({"SQLITE_DBNAME": str(path), ledger.CHECKPOINT_ENV: "3"})
        recorder: Any = factory.application_recorder()
        for write in writes:
            recorder.insert_events(write)
        head = sum(len(w) for w in writes)
        intact = ledger.verify(recorder, page=data.draw(st.integers(1, 7)))
        assert (intact.intact, intact.position, intact.checked) == (True, head, head)
        altered = data.draw(st.integers(1, head))
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TRIGGER stored_events_no_update")
            conn.execute(
                "UPDATE stored_events SET state = state || x'00' WHERE rowid = ?",
                (altered,),
            )
        broken = ledger.verify(recorder)
        assert (broken.intact, broken.position) == (False, altered)
        factory.close()
