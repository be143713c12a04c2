"""Crypto-shredding on the embedded store: personal fields are sealed in the
stored bytes, read back whole while the key lives, and read as erased (the
rest of the history intact) once the contact is forgotten."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.application import SalesApplication
from commands.personal_data import ForgetContact, forget_contact
from domain.activity import Activity
from domain.base import RuleBroken
from domain.contact import Contact
from domain.lead import Lead
from domain.personal import ERASED, get_path, personal_paths
from infra.personal_data import PersonalDataMapper
from tests.unit.helpers import events_of, run

AT = datetime(2030, 5, 6, 9, 30, tzinfo=UTC)


def sqlite_app(path: Path) -> SalesApplication:
    env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory", "SQLITE_DBNAME": str(path)}
    return SalesApplication(env=env)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    application = sqlite_app(tmp_path / "sfa.db")
    yield application
    application.close()


def stored_bytes(path: Path) -> bytes:
    """Every row of every table of the file, as bytes."""
    db = sqlite3.connect(path)
    tables = [
        r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
    ]
    found = b""
    for table in tables:
        for row in db.execute(f"SELECT * FROM {table}"):
            found += b"|".join(
                v if isinstance(v, bytes) else str(v).encode() for v in row
            )
    db.close()
    return found


def ada(contact_id: UUID | None = None) -> Contact:
    return Contact(
        id=contact_id or uuid4(),
        given_name="Adaqzx",
        family_name="Lovelacqzx",
        emails=("adaqzx@example.com",),
        phones=("+442079460123",),
        title="Countessqzx",
    )


def call_about(contact: Contact, notes: str) -> Activity:
    return Activity.plan(
        uuid4(), AT, kind="call", purpose="demo", contact_id=contact.id, notes=notes
    )


class TestSealing:
    def test_personal_values_are_not_in_the_stored_bytes_but_read_back(
        self, app: SalesApplication, tmp_path: Path
    ) -> None:
        contact = ada()
        contact.rename("Adeleqzx", "Lovelacqzx")
        call = call_about(contact, "Adaqzx prefers mornings")
        app.save(contact, call)
        raw = stored_bytes(tmp_path / "sfa.db")
        for secret in (b"Adaqzx", b"Lovelacqzx", b"adaqzx@", b"2079460123", b"ssqzx"):
            assert secret not in raw
        assert b'"kind":"call"' in raw  # what is not personal stays readable
        again: Any = app.repository.get(contact.id)
        assert (again.given_name, again.emails) == ("Adeleqzx", ("adaqzx@example.com",))
        assert app.repository.get(call.id).notes == "Adaqzx prefers mornings"

    def test_events_stored_before_sealing_still_load_and_read_erased_once_forgotten(
        self, app: SalesApplication
    ) -> None:
        transcoder = JSONTranscoder()
        app.register_transcodings(transcoder)
        plain = Mapper[UUID](transcoder=transcoder)
        contact = ada()
        call = call_about(contact, "old notes")
        old = [*contact.collect_events(), *call.collect_events()]
        app.recorder.insert_events([plain.to_stored_event(e) for e in old])
        assert app.repository.get(contact.id).given_name == "Adaqzx"
        assert app.repository.get(call.id).notes == "old notes"
        run(app, forget_contact, ForgetContact(contact_id=contact.id))
        # the old bytes cannot change (insert-only), but they read erased
        assert app.repository.get(contact.id).given_name == ERASED
        assert events_of(app, call.id)[0].erased == ["notes"]

    def test_a_sealed_box_does_not_open_on_another_event(
        self, app: SalesApplication
    ) -> None:
        contact = ada()
        app.save(contact)
        stored = app.recorder.select_events(contact.id)[0]
        moved = StoredEvent(uuid4(), 1, stored.topic, stored.state)
        with pytest.raises(InvalidTag):
            app.mapper.to_domain_event(moved)

    def test_later_events_of_an_activity_take_its_contacts_key_from_the_store(
        self, tmp_path: Path
    ) -> None:
        """A process that never read the activity's first event (a cold
        cache) still seals its completion with the contact's key."""
        first = sqlite_app(tmp_path / "sfa.db")
        contact = ada()
        call = call_about(contact, "first notes")
        first.save(contact, call)
        first.close()
        second = sqlite_app(tmp_path / "sfa.db")
        loaded: Any = second.repository.get(call.id)
        assert isinstance(second.mapper, PersonalDataMapper)
        second.mapper._subjects.clear()  # as if evicted since it was read
        loaded.complete(
            outcome="connected", duration_minutes=5, completed_at=AT, notes="Bye"
        )
        second.save(loaded)
        run(second, forget_contact, ForgetContact(contact_id=contact.id))
        assert second.repository.get(call.id).notes == ERASED
        second.close()


class Noted(Contact.Event):
    """A personal value the json module cannot write (a time)."""

    personal = ("seen_at",)
    subject = None
    seen_at: datetime


class TestCodec:
    def test_a_value_json_cannot_write_is_sealed_with_the_transcoder(
        self, app: SalesApplication
    ) -> None:
        event = Noted(  # type: ignore[call-arg]
            originator_id=uuid4(), originator_version=1, timestamp=AT, seen_at=AT
        )
        stored = app.mapper.to_stored_event(event)
        assert b'"codec":"transcoder"' in stored.state
        assert b"2030" not in stored.state.split(b"seen_at")[1]
        decoded: Any = app.mapper.to_domain_event(stored)
        assert decoded.seen_at == AT


class TestForgetting:
    def test_forgetting_erases_the_contact_its_lead_and_its_activities(
        self, app: SalesApplication
    ) -> None:
        lead = Lead.capture(
            uuid4(),
            source="web",
            given_name="Adaqzx",
            family_name="Lovelacqzx",
            email="lead@example.com",
            company_name="Analytical Engines",
        )
        lead.qualify()
        contact = ada()
        lead.convert(contact.id, uuid4(), None)
        call = call_about(contact, "secret notes")
        app.save(lead, contact, call)
        outcome = run(app, forget_contact, ForgetContact(contact_id=contact.id))

        assert outcome.aggregate.given_name == ERASED
        assert outcome.aggregate.forgotten and outcome.aggregate.do_not_contact
        forgotten = events_of(app, contact.id)[-1]
        assert (type(forgotten).__name__, forgotten.lead_ids) == (
            "Forgotten",
            [lead.id],
        )
        erased_lead: Any = app.repository.get(lead.id)
        assert (erased_lead.given_name, erased_lead.email) == (ERASED, ERASED)
        assert erased_lead.company_name == "Analytical Engines"  # not personal
        assert erased_lead.status == "converted"
        planned = events_of(app, call.id)[0]
        assert (planned.notes, planned.erased) == (ERASED, ["notes"])
        assert (planned.kind, planned.purpose, planned.actor) == (
            "call",
            "demo",
            "system",
        )

    def test_a_forgotten_contact_changes_no_more_and_forgetting_again_records_nothing(
        self, app: SalesApplication
    ) -> None:
        contact = ada()
        app.save(contact)
        run(app, forget_contact, ForgetContact(contact_id=contact.id))
        again = run(app, forget_contact, ForgetContact(contact_id=contact.id))
        assert again.aggregate.version == 2
        loaded: Any = app.repository.get(contact.id)
        with pytest.raises(RuleBroken, match="forgotten"):
            loaded.rename("New", "Name")

    def test_notes_written_after_forgetting_are_erased_at_once(
        self, app: SalesApplication, tmp_path: Path
    ) -> None:
        contact = ada()
        call = call_about(contact, "before")
        app.save(contact, call)
        run(app, forget_contact, ForgetContact(contact_id=contact.id))
        loaded: Any = app.repository.get(call.id)
        loaded.complete(
            outcome="connected", duration_minutes=3, completed_at=AT, notes="Zyxqzw"
        )
        app.save(loaded)
        assert b"Zyxqzw" not in stored_bytes(tmp_path / "sfa.db")
        assert app.repository.get(call.id).notes == ERASED

    def test_the_mapper_is_the_sealing_one(self, app: SalesApplication) -> None:
        assert isinstance(app.mapper, PersonalDataMapper)


# -- random histories of several people --------------------------------------

NAMES = st.text("abcdefghij", min_size=1, max_size=6)
STEP = st.tuples(
    st.integers(0, 2),
    st.sampled_from(["rename", "emails", "title", "call", "complete", "log"]),
    NAMES,
)


def apply_step(app: SalesApplication, people: list[UUID], step: Any) -> None:
    who, what, word = step
    if what in ("rename", "emails", "title"):
        contact: Any = app.repository.get(people[who])
        if what == "rename":
            contact.rename(word, contact.family_name)
        elif what == "emails":
            contact.change_emails((f"{word}@example.com",))
        else:
            contact.change_title(word or None)
        app.save(contact)
    elif what == "call":
        app.save(call_about(app.repository.get(people[who]), f"about {word}"))
    elif what == "log":
        app.save(
            Activity.log(
                uuid4(),
                kind="visit",
                purpose="demo",
                contact_id=people[who],
                outcome="other",
                outcome_note=f"met {word}",
                duration_minutes=30,
                completed_at=AT,
            )
        )
    else:
        complete_a_planned_call(app, word)


def complete_a_planned_call(app: SalesApplication, word: str) -> None:
    planned = [
        n.originator_id
        for n in app.recorder.select_notifications(1, 10_000)
        if n.topic.endswith("Activity.Planned")
    ]
    for activity_id in planned:
        call: Any = app.repository.get(UUID(str(activity_id)))
        if call.status == "planned":
            call.complete(
                outcome="connected", duration_minutes=1, completed_at=AT, notes=word
            )
            app.save(call)
            return


def decoded(app: SalesApplication) -> dict[int, dict[str, Any]]:
    notifications = app.recorder.select_notifications(1, 100_000)
    return {n.id: dict(vars(app.mapper.to_domain_event(n))) for n in notifications}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(STEP, max_size=25), forgotten=st.integers(0, 2))
def test_forgetting_one_person_leaves_the_others_histories_as_they_were(
    tmp_path_factory: Any, steps: list[Any], forgotten: int
) -> None:
    """Given random histories of three people (detail changes, planned,
    completed and logged activities with notes), forgetting one leaves every
    other event decoding exactly as before; the forgotten one's events keep
    every field but the personal ones, which read erased."""
    app = sqlite_app(tmp_path_factory.mktemp("shred") / "sfa.db")
    people = [ada().id for _ in range(3)]
    app.save(*(ada(person) for person in people))
    for step in steps:
        apply_step(app, people, step)
    before = decoded(app)
    subject = people[forgotten]
    run(app, forget_contact, ForgetContact(contact_id=subject))
    after = decoded(app)

    assert set(after) == set(before) | {max(after)}
    for position, event in before.items():
        if whose(before, event) != subject:
            assert after[position] == event, position
            continue
        notification = app.recorder.select_notifications(position, 1)[0]
        personal = personal_paths(type(app.mapper.to_domain_event(notification)))
        top = {path.partition(".")[0] for path in personal}
        kept = {k: v for k, v in event.items() if k not in top}
        assert {k: after[position][k] for k in kept} == kept, position
        for path in personal:
            assert get_path(after[position], path) in (None, ERASED, []), path
    app.close()


def whose(events: dict[int, dict[str, Any]], event: dict[str, Any]) -> UUID:
    """The person an event's personal data belongs to (its record's first
    event names the contact of an activity)."""
    record = event["originator_id"]
    first = next(e for e in events.values() if e["originator_id"] == record)
    found: UUID = first.get("contact_id") or record
    return found


def snapshotting(tmp_path: Path) -> SalesApplication:
    """An application on a SQLite file in ``tmp_path``, taking snapshots."""
    env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory"}
    env |= {"SQLITE_DBNAME": str(tmp_path / "sfa.db")}
    return SalesApplication(env={**env, "IS_SNAPSHOTTING_ENABLED": "y"})


class TestSnapshots:
    def test_a_snapshot_holds_no_personal_value_and_reads_erased_once_forgotten(
        self, tmp_path: Path
    ) -> None:
        app = snapshotting(tmp_path)
        contact = ada()
        call = call_about(contact, "Adaqzx prefers mornings")
        app.save(contact, call)
        app.take_snapshot(contact.id)
        app.take_snapshot(call.id)
        assert b"qzx" not in stored_bytes(tmp_path / "sfa.db")
        assert list(app.repository.get(contact.id).emails) == ["adaqzx@example.com"]
        run(app, forget_contact, ForgetContact(contact_id=contact.id))
        assert app.repository.get(call.id).notes == ERASED
        assert app.repository.get(contact.id, version=1).given_name == ERASED
        app.close()


class TestPreloadingKeys:
    """A reader in a fresh process (a rebuild, ``sfa projections run``)
    fetches the keys of a page of events in one query, not one per person,
    and reads exactly what reading them one by one gives."""

    def test_a_fresh_reader_fetches_a_pages_keys_in_one_query(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "sfa.db"
        writer = sqlite_app(path)
        people = [ada() for _ in range(20)]
        writer.save(*people)
        run(writer, forget_contact, ForgetContact(contact_id=people[0].id))
        writer.close()
        reader, one_by_one = sqlite_app(path), sqlite_app(path)
        mapper: Any = reader.mapper
        queries: list[str] = []
        table = mapper.keys.table
        for name in ("fetch_key", "fetch_keys"):
            method = getattr(table, name)

            def counted(*args: Any, _m: Any = method, _n: str = name, **kw: Any) -> Any:
                queries.append(_n)
                return _m(*args, **kw)

            setattr(table, name, counted)
        page = reader.recorder.select_notifications(start=1, limit=100)

        mapper.preload_keys(page)
        read = [mapper.to_domain_event(n) for n in page]

        assert queries == ["fetch_keys"]
        expected = [one_by_one.mapper.to_domain_event(n) for n in page]
        assert [vars(e) for e in read] == [vars(e) for e in expected]
        names = [e.given_name for e in read if hasattr(e, "given_name")]
        assert names == [ERASED] + ["Adaqzx"] * 19
        reader.close()
        one_by_one.close()


class Renoted(Contact.Event):
    """A second version of an event with a personal field."""

    class_version = 2
    personal = ("note",)
    subject = None
    note: str
    priority: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["priority"] = 0


class TestReading:
    """What decoding reads of an event's class (its version, whose data it
    is, what it forgets) it reads right for each class."""

    def test_an_event_of_an_older_class_version_is_upcast_after_opening_its_box(
        self, app: SalesApplication
    ) -> None:
        event = Renoted(  # type: ignore[call-arg]
            originator_id=uuid4(),
            originator_version=3,
            timestamp=AT,
            note="Hiqzx",
            priority=7,
        )
        stored = app.mapper.to_stored_event(event)
        state = app.mapper.transcoder.decode(stored.state)
        del state["class_version"], state["priority"]
        older = StoredEvent(
            stored.originator_id,
            stored.originator_version,
            stored.topic,
            app.mapper.transcoder.encode(state),
        )

        read: Any = app.mapper.to_domain_event(older)
        assert (read.note, read.priority) == ("Hiqzx", 0)
        assert "class_version" not in vars(read)
        again: Any = app.mapper.to_domain_event(stored)
        assert (again.note, again.priority) == ("Hiqzx", 7)

    def test_a_process_reading_a_forgotten_event_drops_its_key_from_its_cache(
        self, tmp_path: Path
    ) -> None:
        writer, reader = (
            sqlite_app(tmp_path / "sfa.db"),
            sqlite_app(tmp_path / "sfa.db"),
        )
        contact = ada()
        writer.save(contact)
        run(writer, forget_contact, ForgetContact(contact_id=contact.id))
        registered, forgotten = writer.recorder.select_events(contact.id)
        mapper: Any = reader.mapper
        mapper.to_domain_event(registered)  # caches the key (destroyed)
        assert contact.id.hex in mapper.keys._cache

        mapper.to_domain_event(forgotten)
        assert contact.id.hex not in mapper.keys._cache
        writer.close()
        reader.close()

    def test_a_box_sealed_under_a_key_staged_for_a_write_opens_in_that_thread(
        self, app: SalesApplication
    ) -> None:
        keys = app.mapper.keys  # type: ignore[attr-defined]
        keys.staging, subject = True, uuid4()
        sealing = keys.cipher(subject, create=True, new=True)
        sealed = sealing.encrypt(b"\0" * 12, b"Hiqzx", b"")

        opening = keys.opener(subject.hex)
        assert opening.decrypt(b"\0" * 12, sealed, b"") == b"Hiqzx"
        keys.take_staged()
        assert keys.opener(subject.hex) is None  # never recorded

    def test_a_snapshot_of_a_later_version_says_whose_its_records_data_is(
        self, tmp_path: Path
    ) -> None:
        app = snapshotting(tmp_path)
        contact = ada()
        call = call_about(contact, "Adaqzx prefers mornings")
        call.reschedule(datetime(2030, 5, 7, 9, 30, tzinfo=UTC))
        app.save(contact, call)
        app.take_snapshot(call.id)
        app.close()
        fresh = snapshotting(tmp_path)

        assert fresh.repository.get(call.id).version == 2
        assert fresh.mapper._subjects == {call.id: contact.id}  # type: ignore[attr-defined]
        fresh.close()
