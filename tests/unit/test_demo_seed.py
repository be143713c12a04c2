"""The demo seeder is deterministic and refuses a store that holds records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.application import SalesApplication
from commands.reps import RegisterRep, register_rep
from domain.pipeline import DEFAULT_PIPELINE_ID
from infra.demo.clock import backdated
from infra.demo.seed import StoreNotEmpty, seed
from tests.unit.helpers import memory_app, run

UNTIL = date(2026, 11, 1)


def recorded(app: SalesApplication) -> list[dict[str, Any]]:
    """Every event as read back: its kind, record, version and fields."""
    found = []
    for stored in app.recorder.select_notifications(1, 100_000):
        event = app.mapper.to_domain_event(stored)
        found.append({"topic": stored.topic, **vars(event)})
    return found


def seeded(number: int) -> list[dict[str, Any]]:
    """What the seeder recorded (the default pipeline, recorded at first
    start, is not the seeder's)."""
    app = memory_app()
    seed(app, number, "tiny", UNTIL)
    return [e for e in recorded(app) if e["originator_id"] != DEFAULT_PIPELINE_ID]


def test_the_same_seed_records_the_same_events() -> None:
    first = seeded(7)
    assert len(first) > 500
    assert seeded(7) == first


def test_another_seed_records_another_year() -> None:
    assert seeded(7) != seeded(8)


def test_events_are_spread_over_the_year_before_the_end_day() -> None:
    events = seeded(7)
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)  # the log is in time order
    assert stamps[0] < datetime(2025, 11, 2, tzinfo=UTC)
    assert stamps[-1] <= datetime(2026, 11, 1, 8, tzinfo=UTC)
    months = {(s.year, s.month) for s in stamps}
    assert len(months) >= 12


def test_a_store_with_records_is_refused_before_anything_is_recorded() -> None:
    app = memory_app()
    run(app, register_rep, RegisterRep(name="Ann", email="ann@sfa.dev"))
    head = app.recorder.max_notification_id()
    with pytest.raises(StoreNotEmpty, match="empty store only"):
        seed(app, 1, "tiny", UNTIL)
    assert app.recorder.max_notification_id() == head


def test_backdated_stamps_events_and_restores_the_clock() -> None:
    app = memory_app()
    moment = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    with backdated(moment):
        run(app, register_rep, RegisterRep(name="Ann", email="ann@sfa.dev"))
    run(app, register_rep, RegisterRep(name="Bob", email="bob@sfa.dev"))
    first, second = (e["timestamp"] for e in recorded(app))
    assert first == moment
    assert second.year >= 2026


@settings(max_examples=5, deadline=None)
@given(number=st.integers(0, 2**31), days=st.integers(0, 900))
def test_any_seed_and_end_day_make_a_year_every_rule_accepts(
    number: int, days: int
) -> None:
    """No seed makes a step break a rule (a collision, a stale quote...):
    the whole schedule runs."""
    until = date(2025, 1, 1) + timedelta(days=days)
    app = memory_app()
    world = seed(app, number, "tiny", until)
    assert len(world.schedule) > 300
