"""The views in the engine: followed in the background, waited for,
reported on, rebuilt."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from commands import contacts
from infra.bootstrap import Container, bootstrap
from infra.projection_host import UnknownView
from infra.settings import Settings
from tests.unit.helpers import run


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    container = bootstrap(Settings(sqlite_path=tmp_path / "sfa.db", poll_interval=5))
    yield container
    container.close()


def register(container: Container) -> int:
    command = contacts.RegisterContact(given_name="Ada", family_name="Lovelace")
    return run(container.app, contacts.register_contact, command).position


class TestProjectionHost:
    def test_a_write_is_visible_once_waited_for(self, container: Container) -> None:
        """Given running views, when a command is recorded, then waiting for
        its position returns well before the 5 s poll: the write woke them."""
        container.projections.start()
        position = register(container)
        assert container.projections.wait_for("contact_history", position, 2.0)
        (status,) = [
            s for s in container.projections.status() if s.name == "contact_history"
        ]
        assert (status.position, status.lag_events, status.last_error) == (
            position,
            0,
            None,
        )

    def test_a_write_wakes_only_the_views_that_handle_it(
        self, container: Container
    ) -> None:
        """Given running views that poll every 5 s, when a contact is
        registered, then the views that handle it apply it at once; the
        product catalog, which does not, is not woken (its stored position
        stays), yet it is reported up to date and not waited for."""
        host, store = container.projections, container.projections.store
        host.start()
        deadline = time.monotonic() + 5
        while store.position("catalog") < 1:  # its first run, at start
            assert time.monotonic() < deadline
            time.sleep(0.01)
        position = register(container)
        assert host.wait_for("contact_history", position, 2.0)
        time.sleep(0.3)  # time enough for a woken view to move
        assert store.position("catalog") < position
        (catalog,) = [s for s in host.status() if s.name == "catalog"]
        assert (catalog.position, catalog.lag_events) == (position, 0)
        assert host.wait_for("catalog", position, 0.0)

    def test_waiting_for_a_future_position_times_out(
        self, container: Container
    ) -> None:
        position = register(container)
        assert not container.projections.wait_for("contact_history", position + 5, 0.2)

    def test_rebuild_reaches_the_head_and_reports_progress(
        self, container: Container
    ) -> None:
        for _ in range(3):
            position = register(container)
        seen: list[tuple[int, int]] = []
        rebuilt = container.projections.rebuild(
            "contact_history", lambda done, total: seen.append((done, total))
        )
        assert rebuilt == position and seen[-1] == (position, position)
        (status,) = [
            s for s in container.projections.status() if s.name == "contact_history"
        ]
        assert status.lag_events == 0

    def test_unknown_view_is_named(self, container: Container) -> None:
        with pytest.raises(UnknownView, match="contact_history"):
            container.projections.rebuild("nope")
