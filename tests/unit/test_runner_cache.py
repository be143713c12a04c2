"""The runner's lookup cache outlives a batch only while it is true: another
runner that moved the view, or a batch that failed, drops it. The view here
counts each contact's events through a cached lookup, so a stale cache
would show as a wrong count."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import pytest

from commands import contacts
from domain.contact import Contact
from infra.view_store import SQLiteViewStore
from projections.events import events_of
from projections.runner import Runner
from projections.view import Step, View, handles
from tests.unit.helpers import memory_app, run


class Tally(View):
    name = "tally_test"
    tables: ClassVar[dict[str, str]] = {
        "counts": "contact_id TEXT PRIMARY KEY, events BIGINT NOT NULL"
    }
    fail_at: ClassVar[int | None] = None  # fails once, after its lookup

    @handles(*events_of(Contact))
    def count(self, step: Step, event: Any) -> None:
        key = str(event.originator_id)
        row = step.lookup(key, "SELECT events FROM {counts} WHERE contact_id = %s", key)
        events = (row[0] if row else 0) + 1
        step.remember(key, (events,))
        if step.position == Tally.fail_at:
            Tally.fail_at = None
            raise RuntimeError("the batch fails after its lookup")
        step.execute(
            "INSERT INTO {counts} (contact_id, events) VALUES (%s, %s)"
            " ON CONFLICT (contact_id) DO UPDATE SET events = excluded.events",
            key,
            events,
        )


def counts(store: SQLiteViewStore) -> dict[str, int]:
    with store.transaction() as cursor:
        cursor.execute(
            f"SELECT contact_id, events FROM {store.qualified('tally_test_counts')}"
        )
        return {row[0]: row[1] for row in cursor.fetchall()}


def world(tmp_path: Path, changes: int) -> tuple[Any, SQLiteViewStore, UUID]:
    app = memory_app()
    command = contacts.RegisterContact(given_name="Ada", family_name="Lovelace")
    contact = run(app, contacts.register_contact, command).aggregate.id
    for n in range(changes):
        change = contacts.ChangeContactDetails(contact_id=contact, title=f"T{n}")
        run(app, contacts.change_contact_details, change)
    return app, SQLiteViewStore(tmp_path / "views.db"), contact


def test_a_runner_drops_its_cache_when_another_moved_the_view(
    tmp_path: Path,
) -> None:
    """Given runner A that cached a count and runner B that then applied an
    event, A's next batch counts from B's row: every event counted once."""
    app, store, contact = world(tmp_path, changes=2)
    a = Runner(Tally(), store, app, batch_size=1)
    b = Runner(Tally(), store, app, batch_size=1)
    assert (a.step(), b.step(), a.step()) == (1, 1, 1)
    assert counts(store) == {str(contact): 3}


def test_a_failed_batch_drops_the_cache(tmp_path: Path) -> None:
    """Given a batch that failed after updating its cache, the retried batch
    counts from the table: the failed one left no trace."""
    app, store, contact = world(tmp_path, changes=3)
    runner = Runner(Tally(), store, app, batch_size=2)
    assert runner.step() == 2
    Tally.fail_at = 3
    with pytest.raises(RuntimeError):
        runner.step()
    assert runner.catch_up() == 2
    assert counts(store) == {str(contact): 4}
