"""Lead: commands on in-memory persistence, conversion (one transaction), and
random command sequences checked against a model of the status machine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, get_args
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import BaseModel, ValidationError

from commands import leads as cmd
from commands.accounts import OpenAccount, open_account
from commands.application import SalesApplication
from commands.base import Conflict, Forbidden, IdReused, exists
from commands.lead_conversion import ConvertLead, convert_lead
from commands.pipelines import ensure_default_pipeline
from commands.reps import DeactivateRep, RegisterRep, deactivate_rep, register_rep
from domain.account import Account
from domain.base import RuleBroken, public_type
from domain.contact import Contact
from domain.lead import SOURCES, Lead
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID
from tests.unit.helpers import (
    ADMIN,
    event_names,
    events_of,
    memory_app,
    rep,
    run,
)

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
        names = {"given_name": "Grace", "family_name": "Hopper"}
        lead = Lead.capture(uuid4(), source="web", **names)
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

    @pytest.mark.parametrize(
        ("names", "rule"),
        [
            ({}, "convert_needs_family_name"),
            ({"given_name": "Grace"}, "convert_needs_family_name"),
            ({"family_name": "Hopper"}, "convert_needs_given_name"),
        ],
    )
    def test_a_lead_without_both_names_does_not_convert(
        self, names: dict[str, str], rule: str
    ) -> None:
        """It becomes a contact, which has both; the family name is asked
        for first."""
        lead = Lead.capture(uuid4(), source="web", company_name="Acme", **names)
        lead.qualify()
        with pytest.raises(RuleBroken) as refused:
            lead.convert(uuid4(), uuid4(), None)
        assert refused.value.rule == rule
        assert len(lead.collect_events()) == 2

    def test_the_command_model_is_consistent(self) -> None:
        lead_id = uuid4()
        opportunity = {"currency": "EUR", "expected_close_date": "2030-12-31"}
        convert = {"lead_id": lead_id, "create_opportunity": True, **opportunity}
        assert ConvertLead.model_validate(convert).amount is None
        for wrong in (
            opportunity,
            {"create_opportunity": True, "currency": "EUR"},
            {"account_id": uuid4(), "new_account_id": uuid4()},
        ):
            with pytest.raises(ValidationError):
                ConvertLead.model_validate({"lead_id": lead_id, **wrong})


ANN = uuid4()  # the rep who owns the leads converted below
GRACE: dict[str, Any] = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "email": "grace@navy.example",
    "phone": "+1 415 555 0100",
    "title": "Rear Admiral",
    "company_name": "Navy Labs",
    "web_domain": "navy.example",
    "source": BOUGHT,
}
DEAL: dict[str, Any] = {
    "create_opportunity": True,
    "opportunity_name": "Fleet",
    "amount": "48000",
    "currency": "EUR",
    "expected_close_date": date(2030, 12, 31),
}


def sales_app(*, pipeline: bool = True) -> SalesApplication:
    """Ann is an active rep; the default pipeline exists unless told not."""
    app = memory_app()
    run(app, register_rep, RegisterRep(id=ANN, name="Ann", email="ann@sfa.io"))
    if pipeline:
        ensure_default_pipeline(app)
    return app


def qualified(app: SalesApplication, **fields: Any) -> UUID:
    lead_id = capture(app, **(GRACE | {"owner_id": ANN} | fields))
    do(app, cmd.qualify_lead, cmd.QualifyLead(lead_id=lead_id))
    return lead_id


def convert(app: SalesApplication, caller: Any = None, **fields: Any) -> Any:
    command = ConvertLead.model_validate(fields)
    return run(app, convert_lead, command, caller or rep(ANN))


def head(app: SalesApplication) -> int:
    return app.recorder.max_notification_id() or 0


class TestConvertLeadCommand:
    def test_contact_account_and_deal_in_one_save_owned_by_the_lead_owner(
        self,
    ) -> None:
        app = sales_app()
        lead_id = qualified(app)
        ids = {"contact_id": uuid4(), "new_account_id": uuid4()}
        ids["opportunity_id"] = uuid4()
        outcome = convert(app, lead_id=lead_id, **ids, **DEAL)
        contact: Contact = app.repository.get(ids["contact_id"])
        account: Account = app.repository.get(ids["new_account_id"])
        deal: Opportunity = app.repository.get(ids["opportunity_id"])
        assert (contact.given_name, contact.family_name) == ("Grace", "Hopper")
        assert (contact.emails, contact.phones) == (
            ("grace@navy.example",),
            ("+14155550100",),
        )
        assert (contact.title, contact.account_id) == ("Rear Admiral", account.id)
        assert (account.name, account.web_domain) == ("Navy Labs", "navy.example")
        assert (deal.name, deal.amount, deal.currency) == (
            "Fleet",
            Decimal(48000),
            "EUR",
        )
        assert (deal.pipeline_id, deal.stage) == (DEFAULT_PIPELINE_ID, "prospecting")
        assert (deal.account_id, deal.primary_contact_id) == (account.id, contact.id)
        owners = {contact.owner_id, account.owner_id, deal.owner_id}
        assert owners == {ANN}
        lead = lead_of(app, lead_id)
        assert (lead.status, lead.contact_id, lead.account_id) == (
            "converted",
            contact.id,
            account.id,
        )
        assert lead.opportunity_id == deal.id
        converted = events_of(app, lead_id)[-1]
        assert public_type(type(converted)) == "sfa.lead.converted.v1"
        created = [events_of(app, i)[0] for i in ids.values()]
        assert {e.correlation_id for e in [converted, *created]} == {
            converted.correlation_id
        }
        assert {e.actor for e in [converted, *created]} == {"ann"}
        assert outcome.created and outcome.position == head(app)
        assert outcome.versions == {lead_id: 3, **dict.fromkeys(ids.values(), 1)}

    def test_into_an_existing_account_without_a_deal(self) -> None:
        app = sales_app()
        account = run(app, open_account, OpenAccount(name="Navy")).aggregate
        lead_id = qualified(app, company_name=None, web_domain=None)
        before = head(app)
        outcome = convert(app, lead_id=lead_id, account_id=account.id)
        contact_id = lead_of(app, lead_id).contact_id
        assert contact_id is not None
        assert app.repository.get(contact_id).account_id == account.id
        assert event_names(app, account.id) == ["Opened"]
        assert lead_of(app, lead_id).opportunity_id is None
        assert head(app) == before + 2 and not outcome.aggregate.opportunity_id

    def test_a_deal_is_named_after_the_account_and_defaults_to_zero(self) -> None:
        app = sales_app()
        lead_id = qualified(app)
        bare = {"create_opportunity": True, "currency": "usd"}
        convert(app, lead_id=lead_id, expected_close_date="2030-06-30", **bare)
        deal_id = lead_of(app, lead_id).opportunity_id
        assert deal_id is not None
        deal: Opportunity = app.repository.get(deal_id)
        assert (deal.name, deal.amount, deal.currency) == (
            "Navy Labs",
            Decimal(0),
            "USD",
        )

    @pytest.mark.parametrize(
        ("fields", "conversion", "rule"),
        [
            ({"company_name": None}, {}, "convert_needs_account"),
            ({}, {"account_id": uuid4()}, "unknown_account"),
            ({"given_name": None}, {}, "convert_needs_given_name"),
            ({"family_name": None}, {}, "convert_needs_family_name"),
        ],
    )
    def test_refusals_are_named_and_record_nothing(
        self, fields: dict[str, Any], conversion: dict[str, Any], rule: str
    ) -> None:
        app = sales_app()
        lead_id = qualified(app, **fields)
        before = head(app)
        with pytest.raises(RuleBroken) as refused:
            convert(app, lead_id=lead_id, **conversion, **DEAL)
        assert refused.value.rule == rule
        assert head(app) == before

    def test_only_a_qualified_lead_converts(self) -> None:
        app = sales_app()
        lead_id = capture(app, **GRACE)
        with pytest.raises(RuleBroken) as refused:
            convert(app, ADMIN, lead_id=lead_id)
        assert refused.value.rule == "lead_not_qualified"
        assert event_names(app, lead_id) == ["Captured"]

    def test_the_owner_must_still_be_an_active_rep(self) -> None:
        app = sales_app()
        lead_id = qualified(app)
        run(app, deactivate_rep, DeactivateRep(rep_id=ANN, reason="left"))
        before = head(app)
        with pytest.raises(RuleBroken) as refused:
            convert(app, ADMIN, lead_id=lead_id)
        assert refused.value.rule == "owner_must_be_active_rep"
        assert head(app) == before

    def test_only_who_may_change_the_lead_converts_it(self) -> None:
        app = sales_app()
        lead_id = qualified(app)
        with pytest.raises(Forbidden):
            convert(app, rep(), lead_id=lead_id)
        assert lead_of(app, lead_id).status == "qualified"

    def test_a_chosen_id_already_in_use_is_refused(self) -> None:
        app = sales_app()
        lead_id = qualified(app)
        before = head(app)
        with pytest.raises(IdReused):
            convert(app, lead_id=lead_id, contact_id=lead_id)
        same = uuid4()
        with pytest.raises(IdReused, match="need different ids"):
            convert(app, lead_id=lead_id, contact_id=same, new_account_id=same)
        assert head(app) == before


class TestConvertLeadIsOneTransaction:
    def test_no_default_pipeline_no_contact_no_account_no_conversion(self) -> None:
        app = sales_app(pipeline=False)
        lead_id = qualified(app)
        before, history = head(app), event_names(app, lead_id)
        contact_id, account_id = uuid4(), uuid4()
        with pytest.raises(RuleBroken) as refused:
            convert(
                app,
                lead_id=lead_id,
                contact_id=contact_id,
                new_account_id=account_id,
                **DEAL,
            )
        assert refused.value.rule == "unknown_pipeline"
        assert (head(app), event_names(app, lead_id)) == (before, history)
        assert exists(app, contact_id) is None and exists(app, account_id) is None

    @pytest.mark.parametrize("cached", [False, True])
    def test_the_store_refusing_the_deal_refuses_everything(
        self, monkeypatch: pytest.MonkeyPatch, cached: bool
    ) -> None:
        """Another writer records the deal's id between the handler's check and
        its save: the store refuses the whole save, not just the deal. A
        command that started from the cached lead (``commands.write_cache``)
        is then decided again from the store, and refused as a command
        arriving after the other writer is: the deal's id is taken."""
        app = sales_app()
        if not cached:
            app.write_cache = None
        lead_id = qualified(app)
        ids = {"contact_id": uuid4(), "new_account_id": uuid4()}
        deal_id = uuid4()
        save = app.save

        def racing_save(*aggregates: Any, **kwargs: Any) -> Any:
            monkeypatch.setattr(app, "save", save)
            save(Contact(id=deal_id, given_name="Race", family_name="Winner"))
            return save(*aggregates, **kwargs)

        monkeypatch.setattr(app, "save", racing_save)
        before, history = head(app), event_names(app, lead_id)
        with pytest.raises(IdReused if cached else Conflict):
            convert(app, lead_id=lead_id, opportunity_id=deal_id, **ids, **DEAL)
        assert head(app) == before + 1  # the other writer's contact only
        assert event_names(app, lead_id) == history
        assert lead_of(app, lead_id).status == "qualified"
        assert [exists(app, i) for i in ids.values()] == [None, None]
        assert type(exists(app, deal_id)) is Contact


class TestConvertLeadAgain:
    def test_the_same_conversion_again_records_nothing(self) -> None:
        app = sales_app()
        lead_id = qualified(app)
        ids = {"contact_id": uuid4(), "opportunity_id": uuid4()}
        first = convert(app, lead_id=lead_id, **ids, **DEAL)
        before = head(app)
        again = convert(app, lead_id=lead_id, **ids, **DEAL)
        assert not again.created and again.position == before == first.position
        assert again.aggregate.contact_id == ids["contact_id"]
        assert again.aggregate.version == first.aggregate.version
        unnamed = convert(app, lead_id=lead_id, **DEAL)  # ids left to the server
        assert not unnamed.created and head(app) == before

    def test_the_same_conversion_with_a_stale_if_match_records_nothing(
        self,
    ) -> None:
        app = sales_app()
        lead_id = qualified(app)
        ids = {"contact_id": uuid4(), "new_account_id": uuid4()}
        convert(app, lead_id=lead_id, **ids)
        before = head(app)
        command = ConvertLead.model_validate({"lead_id": lead_id, **ids})
        again = run(app, convert_lead, command, expected_version=2)
        assert not again.created and head(app) == before

    @pytest.mark.parametrize(
        "other",
        [
            {"contact_id": uuid4()},
            {"new_account_id": uuid4()},
            {"opportunity_id": uuid4()},
            {"amount": "1"},
            {"opportunity_name": "Other"},
            {"expected_close_date": date(2031, 1, 1)},
            {**dict.fromkeys(DEAL), "opportunity_id": None},  # no deal this time
        ],
    )
    def test_another_conversion_of_a_converted_lead_is_refused(
        self, other: dict[str, Any]
    ) -> None:
        app = sales_app()
        lead_id = qualified(app)
        ids = {"contact_id": uuid4(), "new_account_id": uuid4()}
        ids["opportunity_id"] = uuid4()
        convert(app, lead_id=lead_id, **ids, **DEAL)
        before = head(app)
        body = {**ids, **DEAL, **other}
        body = {k: v for k, v in body.items() if v is not None}
        with pytest.raises(RuleBroken) as refused:
            convert(app, lead_id=lead_id, **body)
        assert refused.value.rule == "lead_converted"
        assert head(app) == before


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
    """Random sequences of lead commands (and conversions, and the same
    conversion again) against a model of the status machine: a refused
    command records nothing; every accepted one replays from the store to the
    model."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        ensure_default_pipeline(self.app)
        self.lead_id = capture(self.app, given_name="Ada", company_name="Engines")
        self.conversion: ConvertLead | None = None
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
        """Through the handler, with fresh ids: never a repeat. Refused, it
        records nothing anywhere; accepted, the records it names exist."""
        deal = DEAL if with_opportunity else {}
        contact_id = uuid4()
        command = ConvertLead(lead_id=self.lead_id, contact_id=contact_id, **deal)
        before = head(self.app)
        if not self.attempt("convert", lambda: run(self.app, convert_lead, command)):
            assert head(self.app) == before
            return
        self.conversion = command
        lead = lead_of(self.app, self.lead_id)
        contact: Contact = self.app.repository.get(contact_id)
        assert (contact.account_id, lead.contact_id) == (lead.account_id, contact.id)
        assert (lead.opportunity_id is not None) == with_opportunity

    @rule()
    def convert_again(self) -> None:
        """The same conversion again is accepted and records nothing."""
        if self.conversion is None:
            return
        before = head(self.app)
        outcome = run(self.app, convert_lead, self.conversion)
        assert not outcome.created and head(self.app) == before

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
