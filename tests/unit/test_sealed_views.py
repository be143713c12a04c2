"""Views that read no personal value (``reads_personal_data = False``) read
the log with the personal-data boxes shut: no key fetched, nothing
decrypted, and the same rows as with the boxes opened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.projections_workload import record_log
from infra.bootstrap import Container, bootstrap
from infra.personal_data import PersonalDataMapper
from infra.projection_host import VIEWS
from infra.settings import Settings
from infra.view_store import SQLiteViewStore
from projections.runner import Runner
from projections.view import View, reader_for
from tests.view_rows import sorted_rows

SEALED = [view for view in VIEWS if not view.reads_personal_data]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    """A realistic log (benchmarks.projections_workload), on SQLite."""
    folder = tmp_path_factory.mktemp("sealed")
    container = bootstrap(Settings(sqlite_path=folder / "sfa.db", poll_interval=5))
    record_log(container.app, 2000)
    yield container
    container.close()


def opened(app: Any) -> SimpleNamespace:
    """The application's log as a reader that always opens the boxes."""
    mapper = app.mapper
    reader = SimpleNamespace(
        to_domain_event=mapper.to_domain_event, preload_keys=mapper.preload_keys
    )
    return SimpleNamespace(recorder=app.recorder, mapper=reader)


def test_the_sealed_views_are_the_ones_reading_no_personal_value() -> None:
    names = {view.name for view in SEALED}
    assert {"agenda", "control", "outreach", "territory_coverage"} <= names
    assert not names & {"contact_history", "lists", "dedup_v2"}


@pytest.mark.parametrize("view", SEALED, ids=lambda v: v.name)
def test_a_sealed_view_has_the_rows_of_an_opened_one(
    logged: Container, view: type[View], tmp_path: Path
) -> None:
    app = logged.app
    sealed, opened_store = (
        SQLiteViewStore(tmp_path / "a.db"),
        SQLiteViewStore(tmp_path / "b.db"),
    )
    Runner(view(), sealed, app, batch_size=300).catch_up()
    Runner(view(), opened_store, opened(app), batch_size=300).catch_up()
    rows = sorted_rows(sealed, view)
    assert any(rows.values()), "the workload gives the view rows"
    assert rows == sorted_rows(opened_store, view)


def test_the_workload_has_personal_values_the_sealed_views_events_carry(
    logged: Container,
) -> None:
    """Else the comparison above could not tell: events those views handle
    read otherwise sealed (activity notes, contact names)."""
    app = logged.app
    mapper = app.mapper
    assert isinstance(mapper, PersonalDataMapper)
    handled = {cls for view in SEALED for cls in view._handlers}
    differing = set()
    for notification in app.recorder.select_notifications(start=1, limit=3000):
        shut = mapper.sealed().to_domain_event(notification)
        if type(shut) in handled and vars(shut) != vars(
            mapper.to_domain_event(notification)
        ):
            differing.add(type(shut).__qualname__)
    assert {"Contact.Registered", "Activity.Planned"} <= differing


def test_a_sealed_reader_fetches_no_key(logged: Container) -> None:
    app = logged.app
    mapper = app.mapper
    assert isinstance(mapper, PersonalDataMapper)
    page = app.recorder.select_notifications(start=1, limit=200)
    fresh = mapper.sealed()
    fresh.keys = SimpleNamespace()  # type: ignore[assignment]  # any use of the keys fails (AttributeError)
    fresh.preload_keys(page)
    events = [fresh.to_domain_event(n) for n in page]
    assert len(events) == len(page)
    assert mapper.opens and not fresh.opens


def test_each_view_is_given_the_reader_it_declares(logged: Container) -> None:
    """What the log's runners and the Kafka view workers read with."""
    mapper = logged.app.mapper
    for view in VIEWS:
        reader = reader_for(view(), mapper)
        assert reader.opens is view.reads_personal_data, view.name
        assert (reader is mapper) is view.reads_personal_data, view.name
    assert reader_for(SEALED[0](), None) is None  # no mapper: nothing to open
