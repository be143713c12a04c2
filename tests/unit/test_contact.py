"""Contact: commands on in-memory persistence, and random command sequences
checked against a simple model."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from commands import contacts as cmd
from commands.base import Forbidden, IdReused, StaleVersion
from domain.base import RuleBroken, public_type
from domain.contact import Contact
from tests.unit.helpers import (
    event_names,
    events_of,
    memory_app,
    registered_rep,
    rep,
    run,
)


def register(app: Any, **fields: Any) -> UUID:
    command = cmd.RegisterContact(given_name="Ada", family_name="Lovelace", **fields)
    return UUID(str(run(app, cmd.register_contact, command).aggregate.id))


class TestRegisterContact:
    def test_records_who_and_why(self) -> None:
        app = memory_app()
        outcome = run(
            app,
            cmd.register_contact,
            cmd.RegisterContact(given_name="Ada", family_name="L", emails=("A@B.io",)),
        )
        (event,) = events_of(app, outcome.aggregate.id)
        assert public_type(type(event)) == "sfa.contact.registered.v1"
        assert (event.actor, list(event.emails)) == ("root", ["a@b.io"])
        assert isinstance(event.correlation_id, UUID)
        assert outcome.created and outcome.position == 1

    def test_same_id_same_body_records_nothing(self) -> None:
        app, contact_id = memory_app(), uuid4()
        register(app, id=contact_id)
        outcome = run(
            app,
            cmd.register_contact,
            cmd.RegisterContact(
                id=contact_id, given_name="Ada", family_name="Lovelace"
            ),
        )
        assert not outcome.created
        assert event_names(app, contact_id) == ["Registered"]

    def test_same_id_other_body_is_refused(self) -> None:
        app, contact_id = memory_app(), uuid4()
        register(app, id=contact_id)
        with pytest.raises(IdReused):
            register(app, id=contact_id, title="CTO")

    def test_owner_must_be_an_active_rep(self) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            register(app, owner_id=uuid4())
        assert refused.value.rule == "owner_must_be_active_rep"
        assert app.recorder.max_notification_id() in (None, 0)


class TestChangeContactDetails:
    def test_each_field_change_carries_old_and_new(self) -> None:
        app = memory_app()
        contact_id = register(app, emails=("a@b.io",))
        change = cmd.ChangeContactDetails(
            contact_id=contact_id, emails=("c@d.io",), title="CTO", given_name="Augusta"
        )
        run(app, cmd.change_contact_details, change)
        events = events_of(app, contact_id)
        assert event_names(app, contact_id) == [
            "Registered",
            "Renamed",
            "EmailsChanged",
            "TitleChanged",
        ]
        assert (list(events[2].old), list(events[2].new)) == (["a@b.io"], ["c@d.io"])

    def test_nothing_changed_records_nothing(self) -> None:
        app = memory_app()
        contact_id = register(app, title="CTO")
        change = cmd.ChangeContactDetails(contact_id=contact_id, title="CTO")
        run(app, cmd.change_contact_details, change)
        assert event_names(app, contact_id) == ["Registered"]

    def test_stale_version_is_refused(self) -> None:
        app = memory_app()
        contact_id = register(app)
        change = cmd.ChangeContactDetails(contact_id=contact_id, title="CTO")
        with pytest.raises(StaleVersion):
            run(app, cmd.change_contact_details, change, expected_version=7)

    def test_rep_cannot_change_another_reps_contact(self) -> None:
        app = memory_app()
        contact_id = register(app, owner_id=registered_rep(app))
        change = cmd.ChangeContactDetails(contact_id=contact_id, title="CTO")
        with pytest.raises(Forbidden):
            run(app, cmd.change_contact_details, change, rep())


names = st.text(st.characters(categories=["L"]), min_size=1, max_size=8)
emails = st.lists(st.sampled_from(["a@x.io", "b@y.io", "c@z.io"]), max_size=2)
maybe_text = st.none() | st.sampled_from(["CTO", "Buyer", "sales", "support"])
REPS = [uuid4(), uuid4()]
owners = st.none() | st.sampled_from(REPS)


class ContactMachine(RuleBasedStateMachine):
    """Random sequences of contact commands against a dict model."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        for rep_id in REPS:
            registered_rep(self.app, rep_id)
        self.contact_id = register(self.app)
        self.model: dict[str, Any] = {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "emails": (),
            "title": None,
            "department": None,
            "owner_id": None,
            "do_not_contact": False,
        }

    def change(self, **fields: Any) -> None:
        command = cmd.ChangeContactDetails(contact_id=self.contact_id, **fields)
        run(self.app, cmd.change_contact_details, command)
        self.model.update({k: v for k, v in fields.items()})

    @rule(given=names, family=names)
    def rename(self, given: str, family: str) -> None:
        self.change(given_name=given, family_name=family)

    @rule(new=emails)
    def change_emails(self, new: list[str]) -> None:
        self.change(emails=tuple(new))

    @rule(title=maybe_text, department=maybe_text)
    def change_title_and_department(
        self, title: str | None, department: str | None
    ) -> None:
        self.change(title=title, department=department)

    @rule(owner=owners)
    def assign_owner(self, owner: UUID | None) -> None:
        command = cmd.AssignContactOwner(contact_id=self.contact_id, owner_id=owner)
        run(self.app, cmd.assign_contact_owner, command)
        self.model["owner_id"] = owner

    @rule(flag=st.booleans(), reason=st.none() | st.just("asked"))
    def set_consent(self, flag: bool, reason: str | None) -> None:
        command = cmd.SetContactConsent(
            contact_id=self.contact_id, do_not_contact=flag, reason=reason
        )
        before = len(list(self.app.events.get(self.contact_id)))
        if flag and not reason:
            with pytest.raises(RuleBroken):
                run(self.app, cmd.set_contact_consent, command)
            assert len(list(self.app.events.get(self.contact_id))) == before
            return
        run(self.app, cmd.set_contact_consent, command)
        self.model["do_not_contact"] = flag

    @invariant()
    def stored_history_rebuilds_the_model(self) -> None:
        contact: Contact = self.app.repository.get(self.contact_id)  # replays all
        for name, value in self.model.items():
            assert getattr(contact, name) == value, name
        events = list(self.app.events.get(self.contact_id))
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))


TestContactMachine = ContactMachine.TestCase
TestContactMachine.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None
)
