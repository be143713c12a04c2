"""A catch-up holds off the collector's full collections while it runs, and
gives back the thresholds it found, whatever happens."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from commands import contacts
from domain.contact import Contact
from infra.view_store import SQLiteViewStore
from projections.events import events_of
from projections.runner import HELD_OFF, FullCollectionsHeldOff, Runner
from projections.view import Step, View, handles
from tests.unit.helpers import memory_app, run


class Thresholds(View):
    name = "thresholds_test"
    tables: ClassVar[dict[str, str]] = {"seen": "position BIGINT PRIMARY KEY"}
    seen: ClassVar[list[tuple[int, int, int]]] = []
    fail = False

    @handles(*events_of(Contact))
    def record(self, step: Step, event: Any) -> None:
        Thresholds.seen.append(gc.get_threshold())
        if self.fail:
            raise RuntimeError("the batch fails")


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    Thresholds.seen = []
    yield gc.get_threshold()
    gc.set_threshold(*before)


def catching_up(tmp_path: Path, view: View) -> Runner:
    app = memory_app()
    command = contacts.RegisterContact(given_name="Ada", family_name="Lovelace")
    run(app, contacts.register_contact, command)
    return Runner(view, SQLiteViewStore(tmp_path / "views.db"), app)


def test_catch_up_holds_off_full_collections_then_restores(
    tmp_path: Path, thresholds: tuple[int, int, int]
) -> None:
    """Given the default thresholds, a catch-up applies its events with the
    third one raised, and leaves them as they were."""
    assert catching_up(tmp_path, Thresholds()).catch_up() > 0
    assert Thresholds.seen == [(700, 10, HELD_OFF)]
    assert gc.get_threshold() == thresholds


def test_a_failing_catch_up_restores_the_thresholds(
    tmp_path: Path, thresholds: tuple[int, int, int]
) -> None:
    view = Thresholds()
    view.fail = True
    with pytest.raises(RuntimeError):
        catching_up(tmp_path, view).catch_up()
    assert Thresholds.seen == [(700, 10, HELD_OFF)]
    assert gc.get_threshold() == thresholds


def test_the_last_holder_out_restores(thresholds: tuple[int, int, int]) -> None:
    """Given two catch-ups at once (two views in threads), the first to finish
    leaves full collections held off for the other."""
    first, second = FullCollectionsHeldOff(), FullCollectionsHeldOff()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, HELD_OFF)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == thresholds
