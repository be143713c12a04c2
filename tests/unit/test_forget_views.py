"""Views after forgetting: the live rows equal a rebuild from the erased log,
however the live views caught up (before the keys were destroyed, between
that and the ``Forgotten`` event, or after)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import activities, contacts, lead_conversion, leads
from commands.application import SalesApplication
from commands.personal_data import (
    ForgetContact,
    ForgetLead,
    forget_contact,
    forget_lead,
)
from infra.view_store import SQLiteViewStore
from projections.agenda import Agenda
from projections.contact_history import ContactHistory
from projections.lists import Lists
from projections.runner import Runner
from projections.view import View
from tests.unit.helpers import run

SOON = datetime.now(UTC) + timedelta(days=1)
VIEWS: tuple[type[View], ...] = (ContactHistory, Lists, Agenda)
STEPS = st.lists(
    st.sampled_from(
        ["person", "lead", "raw_lead", "plan", "complete", "rename", "catch_up"]
    ),
    max_size=20,
)


class World:
    def __init__(self, folder: Path, batch: int) -> None:
        env = {"PERSISTENCE_MODULE": "infra.sqlite:Factory"}
        self.app = SalesApplication(env={**env, "SQLITE_DBNAME": str(folder / "e.db")})
        self.store = SQLiteViewStore(folder / "views.db")
        self.live = [Runner(v(), self.store, self.app, batch_size=batch) for v in VIEWS]
        self.people: list[UUID] = []
        self.planned: list[UUID] = []
        self.raw_leads: list[UUID] = []

    def catch_up(self) -> None:
        for runner in self.live:
            runner.catch_up()

    def rows(self) -> dict[str, list[Any]]:
        found = {}
        with self.store.transaction() as cursor:
            for view in VIEWS:
                for table in view.tables:
                    name = self.store.qualified(f"{view.name}_{table}")
                    cursor.execute(f"SELECT * FROM {name} ORDER BY 1")
                    found[f"{view.name}_{table}"] = cursor.fetchall()
        return found

    def step(self, step: str, n: int) -> None:
        if step == "person" or not self.people:
            person = contacts.RegisterContact(
                given_name=f"Ada{n}", family_name="Qzx", emails=(f"a{n}@qzx.io",)
            )
            self.people.append(
                run(self.app, contacts.register_contact, person).aggregate.id
            )
        elif step == "lead":
            self.people.append(self.converted_lead(n))
        elif step == "raw_lead":
            self.raw_leads.append(self.captured_lead(n))
        elif step == "plan":
            plan = activities.PlanActivity(
                kind="call",
                purpose="demo",
                contact_id=self.people[n % len(self.people)],
                scheduled_at=SOON,
                notes=f"note {n} qzx",
            )
            self.planned.append(
                run(self.app, activities.plan_activity, plan).aggregate.id
            )
        elif step == "complete" and self.planned:
            done = activities.CompleteActivity(
                activity_id=self.planned.pop(),
                outcome="other",
                outcome_note=f"said {n}",
                duration_minutes=1,
            )
            run(self.app, activities.complete_activity, done)
        elif step == "rename":
            change = contacts.ChangeContactDetails(
                contact_id=self.people[n % len(self.people)], title=f"T{n}"
            )
            run(self.app, contacts.change_contact_details, change)
        else:
            self.catch_up()

    def captured_lead(self, n: int) -> UUID:
        capture = leads.CaptureLead(
            given_name=f"Lea{n}",
            family_name="Qzx",
            phone="+442079460123",
            company_name=f"Co {n}",
            source=leads.OtherSource(kind="web"),
        )
        found: UUID = run(self.app, leads.capture_lead, capture).aggregate.id
        return found

    def converted_lead(self, n: int) -> UUID:
        lead_id = self.captured_lead(n)
        run(self.app, leads.qualify_lead, leads.QualifyLead(lead_id=lead_id))
        convert = lead_conversion.ConvertLead(lead_id=lead_id)
        run(self.app, lead_conversion.convert_lead, convert)
        found: UUID = self.app.repository.get(lead_id).contact_id
        return found


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=STEPS,
    batch=st.integers(1, 7),
    who=st.integers(0, 5),
    early=st.booleans(),
)
def test_the_live_views_equal_a_rebuild_after_forgetting(
    tmp_path_factory: Any, steps: list[str], batch: int, who: int, early: bool
) -> None:
    """``early``: the views catch up after the keys are destroyed and before
    ``Forgotten`` is recorded (as after a crash between the two)."""
    world = World(tmp_path_factory.mktemp("forget"), batch)
    for n, step in enumerate(steps):
        world.step(step, n)
    if not world.people:
        world.step("person", 0)
    contact_id = world.people[who % len(world.people)]
    if early:
        lead_ids = world.app.mapper.joined_to(contact_id)  # type: ignore[attr-defined]
        world.app.mapper.forget_subjects([contact_id, *lead_ids])  # type: ignore[attr-defined]
        world.catch_up()
    run(world.app, forget_contact, ForgetContact(contact_id=contact_id))
    if world.raw_leads:
        forget = ForgetLead(lead_id=world.raw_leads[who % len(world.raw_leads)])
        run(world.app, forget_lead, forget)
    world.catch_up()
    live = world.rows()
    for view in VIEWS:
        Runner(view(), world.store, world.app, shadow=True, batch_size=3).catch_up()
        world.store.swap(view)
    assert world.rows() == live
    world.app.close()
