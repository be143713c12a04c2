"""Lead: commands on in-memory persistence, the aggregate's conversion, and
random command sequences checked against a model of the status machine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, get_args
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import BaseModel, ValidationError

from commands import leads as cmd
from commands.base import Forbidden, IdReused
from commands.reps import RegisterRep, register_rep
from domain.base import RuleBroken, public_type
from domain.lead import SOURCES, Lead
from tests.unit.helpers import event_names, events_of, memory_app, rep, run

BOUGHT = {
    "kind": "purchased_list",
    "list_name": "Expo 2030",
    "cost_per_lead": "1.25",
    "currency": "EUR",
}


def capture(app: Any, **fields: Any) -> UUID:
    body: dict[str, Any] = {"family_name": "Lovelace", "source": {"kind": "web"}}
    command = cmd.CaptureLead.model_validate(body | fields)
    return UUID(str(run(app, cmd.capture_lead, command).aggregate.id))


def lead_of(app: Any, lead_id: UUID) -> Lead:
    found: Lead = app.repository.get(lead_id)
    return found


def do(app: Any, handler: Any, command: Any, caller: Any = None) -> Any:
    return run(app, handler, command, *([caller] if caller else []))


class TestCaptureLead:
    def test_command_sources_are_the_domain_vocabulary(self) -> None:
        kinds: list[type[BaseModel]] = [
            cmd.PurchasedList,
            cmd.RelatedProductCustomer,
            cmd.OtherSource,
        ]
        named = [get_args(k.model_fields["kind"].annotation) for k in kinds]
        assert tuple(name for names in named for name in names) == SOURCES

    def test_a_purchased_list_lead_records_list_and_cost(self) -> None:
        app = memory_app()
        lead_id = capture(
            app,
            email="ADA@Example.com",
            web_domain="https://www.Engines.example/about",
            source=BOUGHT,
        )
        (event,) = events_of(app, lead_id)
        assert public_type(type(event)) == "sfa.lead.captured.v1"
        assert (event.source, event.list_name, event.currency) == (
            "purchased_list",
            "Expo 2030",
            "EUR",
        )
        lead = lead_of(app, lead_id)
        assert lead.cost_per_lead == Decimal("1.25")
        assert (lead.email, lead.web_domain) == ("ada@example.com", "engines.example")
        assert (lead.status, lead.score, event.actor) == ("new", 0, "root")

    def test_same_id_same_body_records_nothing_other_body_is_refused(self) -> None:
        app, lead_id = memory_app(), uuid4()
        capture(app, id=lead_id, source=BOUGHT)
        capture(app, id=lead_id, source=BOUGHT)
        assert event_names(app, lead_id) == ["Captured"]
        with pytest.raises(IdReused):
            capture(app, id=lead_id, source={**BOUGHT, "cost_per_lead": "2"})

    @pytest.mark.parametrize(
        "source",
        [
            {"kind": "purchased_list", "list_name": "x"},
            {"kind": "related_product_customer"},
            {"kind": "web", "product": "x"},
            {"kind": "fax"},
            {**BOUGHT, "cost_per_lead": "-1"},
            {**BOUGHT, "currency": "euro"},
        ],
    )
    def test_each_source_carries_exactly_its_fields(
        self, source: dict[str, Any]
    ) -> None:
        with pytest.raises(ValidationError):
            cmd.CaptureLead.model_validate({"family_name": "L", "source": source})

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"source": "web", "list_name": "x"}, "source_fields_mismatch"),
            ({"source": "purchased_list"}, "purchased_list_needs_list_and_cost"),
            ({"source": "related_product_customer"}, "related_product_needs_product"),
            ({"source": "web", "score": 101}, "score_out_of_range"),
            ({"source": "web", "family_name": None}, "lead_needs_identity"),
        ],
    )
    def test_the_aggregate_checks_the_same_rules(
        self, fields: dict[str, Any], rule: str
    ) -> None:
        with pytest.raises(RuleBroken) as refused:
            Lead.capture(uuid4(), **({"family_name": "L"} | fields))
        assert refused.value.rule == rule

    def test_owner_is_an_active_rep_and_reps_capture_only_for_themselves(
        self,
    ) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            capture(app, owner_id=uuid4())
        assert refused.value.rule == "owner_must_be_active_rep"
        with pytest.raises(Forbidden):
            command = cmd.CaptureLead.model_validate(
                {"company_name": "Acme", "source": {"kind": "web"}, "owner_id": uuid4()}
            )
            run(app, cmd.capture_lead, command, rep())
        assert app.recorder.max_notification_id() is None


class TestLeadStatus:
    def test_work_qualify_disqualify_reopen(self) -> None:
        app = memory_app()
        lead_id = capture(app)
        do(app, cmd.start_working_on_lead, cmd.StartWorkingOnLead(lead_id=lead_id))
        do(app, cmd.qualify_lead, cmd.QualifyLead(lead_id=lead_id))
        no = cmd.DisqualifyLead(lead_id=lead_id, reason="no budget")
        do(app, cmd.disqualify_lead, no)
        do(app, cmd.disqualify_lead, no)  # the same again changes nothing
        do(app, cmd.start_working_on_lead, cmd.StartWorkingOnLead(lead_id=lead_id))
        assert event_names(app, lead_id) == [
            "Captured",
            "WorkingStarted",
            "Qualified",
            "Disqualified",
            "Reopened",
        ]
        events = events_of(app, lead_id)
        assert (events[3].previous, events[3].reason) == ("qualified", "no budget")
        assert lead_of(app, lead_id).status == "working"

    @pytest.mark.parametrize(
        ("steps", "command", "rule"),
        [
            ([], cmd.DisqualifyLead, "disqualify_needs_reason"),
            (["disqualify"], cmd.QualifyLead, "lead_disqualified"),
            (["qualify"], cmd.StartWorkingOnLead, "lead_already_qualified"),
        ],
    )
    def test_refused_transitions_are_named(
        self, steps: list[str], command: Any, rule: str
    ) -> None:
        app = memory_app()
        lead_id = capture(app)
        for step in steps:
            transition(app, lead_id, step)
        before = event_names(app, lead_id)
        with pytest.raises(RuleBroken) as refused:
            transition(app, lead_id, HANDLERS[command][0], reason=" ")
        assert refused.value.rule == rule
        assert event_names(app, lead_id) == before

    def test_score_and_owner_changes_carry_old_and_new(self) -> None:
        app = memory_app()
        lead_id = capture(app)
        rep_id = uuid4()
        run(app, register_rep, RegisterRep(id=rep_id, name="Ann", email="a@sfa.io"))
        do(app, cmd.change_lead_score, cmd.ChangeLeadScore(lead_id=lead_id, score=70))
        own = cmd.AssignLeadOwner(lead_id=lead_id, owner_id=rep_id)
        do(app, cmd.assign_lead_owner, own, rep(rep_id))  # unowned: anyone takes it
        score, owner = events_of(app, lead_id)[1:]
        assert (score.old, score.new, owner.old, owner.new) == (0, 70, None, rep_id)
        with pytest.raises(Forbidden):
            do(
                app,
                cmd.change_lead_score,
                cmd.ChangeLeadScore(lead_id=lead_id, score=1),
                rep(),
            )

    def test_details_change_in_one_event_with_old_and_new(self) -> None:
        app = memory_app()
        lead_id = capture(app, company_name="Acme")
        change = cmd.ChangeLeadDetails(
            lead_id=lead_id, company_name="Acme", title="CFO", phone="+44 20 7946 0958"
        )
        do(app, cmd.change_lead_details, change)
        event = events_of(app, lead_id)[-1]
        assert public_type(type(event)) == "sfa.lead.details_changed.v1"
        assert (event.old, event.new) == (
            {"title": None, "phone": None},
            {"title": "CFO", "phone": "+442079460958"},
        )
        anonymous = cmd.ChangeLeadDetails(
            lead_id=lead_id, family_name=None, company_name=None
        )
        with pytest.raises(RuleBroken, match="names a person"):
            do(app, cmd.change_lead_details, anonymous)


class TestConvertLead:
    def test_only_a_qualified_lead_converts_and_then_nothing_changes(self) -> None:
        lead = Lead.capture(uuid4(), source="web", family_name="Hopper")
        contact_id, account_id = uuid4(), uuid4()
        with pytest.raises(RuleBroken, match="only a qualified lead converts"):
            lead.convert(contact_id, account_id, None)
        lead.qualify()
        lead.convert(contact_id, account_id, None)
        event = lead.collect_events()[-1]
        assert public_type(type(event)) == "sfa.lead.converted.v1"
        assert (lead.status, lead.contact_id, lead.opportunity_id) == (
            "converted",
            contact_id,
            None,
        )
        for change in (lead.qualify, lambda: lead.change_score(5), lead.start_working):
            with pytest.raises(RuleBroken) as refused:
                change()
            assert refused.value.rule == "lead_converted"

    def test_a_lead_without_a_family_name_does_not_convert(self) -> None:
        lead = Lead.capture(uuid4(), source="web", company_name="Acme")
        lead.qualify()
        with pytest.raises(RuleBroken) as refused:
            lead.convert(uuid4(), uuid4(), None)
        assert refused.value.rule == "convert_needs_family_name"
        assert len(lead.collect_events()) == 2

    def test_the_command_model_is_consistent(self) -> None:
        lead_id = uuid4()
        opportunity = {"currency": "EUR", "expected_close_date": "2030-12-31"}
        convert = {"lead_id": lead_id, "create_opportunity": True, **opportunity}
        assert cmd.ConvertLead.model_validate(convert).amount is None
        for wrong in (
            opportunity,
            {"create_opportunity": True, "currency": "EUR"},
            {"account_id": uuid4(), "new_account_id": uuid4()},
        ):
            with pytest.raises(ValidationError):
                cmd.ConvertLead.model_validate({"lead_id": lead_id, **wrong})


HANDLERS: dict[Any, tuple[str, Any]] = {
    cmd.StartWorkingOnLead: ("work", cmd.start_working_on_lead),
    cmd.QualifyLead: ("qualify", cmd.qualify_lead),
    cmd.DisqualifyLead: ("disqualify", cmd.disqualify_lead),
}


def transition(app: Any, lead_id: UUID, step: str, reason: str = "no fit") -> None:
    command_class, handler = next(
        (c, h) for c, (name, h) in HANDLERS.items() if name == step
    )
    extra = {"reason": reason} if step == "disqualify" else {}
    run(app, handler, command_class(lead_id=lead_id, **extra))


def next_status(status: str, step: str, reason: str, old_reason: Any) -> Any:
    """The model: the status after ``step``, or ``None`` if it is refused."""
    if status == "converted":
        return None
    if step == "work":
        return None if status == "qualified" else "working"
    if step == "qualify":
        return None if status == "disqualified" else "qualified"
    if step == "disqualify":
        again = status == "disqualified" and reason != old_reason
        return None if again or not reason.strip() else "disqualified"
    if step == "convert":
        return "converted" if status == "qualified" else None
    return status


class LeadMachine(RuleBasedStateMachine):
    """Random sequences of lead commands (and conversions) against a model of
    the status machine: a refused command records nothing; every accepted one
    replays from the store to the model."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        self.lead_id = capture(self.app)
        self.model: dict[str, Any] = {
            "status": "new",
            "score": 0,
            "disqualify_reason": None,
        }

    def attempt(self, step: str, action: Any, reason: str = "") -> bool:
        old_reason = self.model["disqualify_reason"]
        after = next_status(self.model["status"], step, reason, old_reason)
        before = len(events_of(self.app, self.lead_id))
        if after is None:
            with pytest.raises(RuleBroken):
                action()
            assert len(events_of(self.app, self.lead_id)) == before
            return False
        action()
        self.model["status"] = after
        if after != "disqualified":
            self.model["disqualify_reason"] = None
        elif step == "disqualify":
            self.model["disqualify_reason"] = reason
        return True

    @rule(step=st.sampled_from(["work", "qualify"]))
    def move(self, step: str) -> None:
        self.attempt(step, lambda: transition(self.app, self.lead_id, step))

    @rule(reason=st.sampled_from(["", " ", "no budget", "competitor"]))
    def disqualify(self, reason: str) -> None:
        def action() -> None:
            transition(self.app, self.lead_id, "disqualify", reason)

        self.attempt("disqualify", action, reason)

    @rule(score=st.integers(0, 100))
    def score(self, score: int) -> None:
        command = cmd.ChangeLeadScore(lead_id=self.lead_id, score=score)
        if self.attempt("score", lambda: run(self.app, cmd.change_lead_score, command)):
            self.model["score"] = score

    @rule(with_opportunity=st.booleans())
    def convert(self, with_opportunity: bool) -> None:
        def action() -> None:
            lead = lead_of(self.app, self.lead_id)
            lead.convert(uuid4(), uuid4(), uuid4() if with_opportunity else None)
            self.app.save(lead)

        self.attempt("convert", action)

    @invariant()
    def stored_history_rebuilds_the_model(self) -> None:
        lead = lead_of(self.app, self.lead_id)  # replays every event
        for name, value in self.model.items():
            assert getattr(lead, name) == value, name
        events = events_of(self.app, self.lead_id)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))


TestLeadMachine = LeadMachine.TestCase
TestLeadMachine.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None
)
