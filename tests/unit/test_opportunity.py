"""Opportunity: commands on in-memory persistence, and random lifecycles
checked against a simple model."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import ValidationError

from commands import accounts, contacts, pipelines, reps
from commands import opportunities as cmd
from commands.base import Forbidden, IdReused
from commands.normalise import ISO_4217
from domain.base import RuleBroken, public_type
from domain.opportunity import Opportunity
from domain.pipeline import DEFAULT_PIPELINE_ID
from tests.unit.helpers import event_names, events_of, memory_app, rep, run

CLOSE = date(2027, 3, 31)


def world() -> tuple[Any, UUID]:
    """An engine with the default pipeline and one account."""
    app = memory_app()
    pipelines.ensure_default_pipeline(app)
    account = run(app, accounts.open_account, accounts.OpenAccount(name="Acme"))
    return app, account.aggregate.id


def open_deal(app: Any, account_id: UUID, **fields: Any) -> UUID:
    values = {"name": "Fleet", "amount": "100", "currency": "EUR"} | fields
    command = cmd.OpenOpportunity.model_validate(
        {"account_id": account_id, "expected_close_date": CLOSE, **values}
    )
    return UUID(str(run(app, cmd.open_opportunity, command).aggregate.id))


def deal(app: Any, opportunity_id: UUID) -> Opportunity:
    found: Opportunity = app.repository.get(opportunity_id)
    return found


def refused(
    app: Any, handler: Any, command: Any, expected_rule: str, caller: Any = None
) -> None:
    """Given a command that breaks ``rule``: it is refused, nothing recorded."""
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleBroken) as error:
        run(app, handler, command, *([caller] if caller else []))
    assert error.value.rule == expected_rule
    assert app.recorder.max_notification_id() == before


def new_rep(app: Any) -> UUID:
    command = reps.RegisterRep(name="Ann", email=f"{uuid4().hex}@sfa.dev")
    return UUID(str(run(app, reps.register_rep, command).aggregate.id))


class TestOpenOpportunity:
    def test_opens_in_the_first_stage_with_its_probability(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id, amount="1E+3", currency="eur")
        (event,) = events_of(app, opportunity_id)
        assert public_type(type(event)) == "sfa.opportunity.opened.v1"
        assert (event.pipeline_id, event.stage) == (DEFAULT_PIPELINE_ID, "prospecting")
        assert (event.probability, event.forecast_category) == (10, "pipeline")
        assert (event.amount, str(event.amount), event.currency) == (
            Decimal(1000),
            "1000",
            "EUR",
        )
        assert event.actor == "root" and deal(app, opportunity_id).status == "open"

    def test_references_must_exist(self) -> None:
        app, account_id = world()
        contact = contacts.RegisterContact(
            given_name="A", family_name="B", account_id=uuid4()
        )
        contact_id = run(app, contacts.register_contact, contact).aggregate.id
        base: dict[str, Any] = {
            "name": "X",
            "currency": "EUR",
            "expected_close_date": CLOSE,
        }
        cases: list[tuple[dict[str, Any], str]] = [
            ({"account_id": uuid4()}, "unknown_account"),
            ({"account_id": account_id, "pipeline_id": uuid4()}, "unknown_pipeline"),
            ({"account_id": account_id, "stage": "nope"}, "unknown_stage"),
            (
                {"account_id": account_id, "primary_contact_id": uuid4()},
                "unknown_contact",
            ),
            (
                {"account_id": account_id, "primary_contact_id": contact_id},
                "contact_of_another_account",
            ),
            (
                {"account_id": account_id, "owner_id": uuid4()},
                "owner_must_be_active_rep",
            ),
        ]
        for fields, rule_name in cases:
            command = cmd.OpenOpportunity.model_validate({**base, **fields})
            refused(app, cmd.open_opportunity, command, rule_name)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("amount", "-1"),
            ("amount", "NaN"),
            ("amount", "0.00001"),
            ("currency", "EURO"),
            ("currency", "XAU"),
            ("currency", "ABC"),
            ("name", " "),
        ],
    )
    def test_bad_values_never_reach_the_domain(self, field: str, value: str) -> None:
        fields = {"name": "X", "currency": "EUR", field: value}
        with pytest.raises(ValidationError):
            cmd.OpenOpportunity.model_validate(
                {"account_id": uuid4(), "expected_close_date": CLOSE, **fields}
            )

    def test_currency_list_holds_the_common_codes(self) -> None:
        assert {"EUR", "USD", "GBP", "JPY", "CHF", "XOF", "ZWG"} <= ISO_4217
        assert not {"XAU", "XXX", "BGN", "HRK"} & ISO_4217

    def test_same_id_same_body_records_nothing(self) -> None:
        app, account_id = world()
        opportunity_id = uuid4()
        open_deal(app, account_id, id=opportunity_id)
        again = open_deal(app, account_id, id=opportunity_id, amount="100.00")
        assert again == opportunity_id
        assert event_names(app, opportunity_id) == ["Opened"]
        with pytest.raises(IdReused):
            open_deal(app, account_id, id=opportunity_id, stage="proposal")

    def test_a_rep_opens_for_themself_not_for_another_rep(self) -> None:
        app, account_id = world()
        ann, bob = new_rep(app), new_rep(app)
        caller = rep(ann)
        command = cmd.OpenOpportunity(
            account_id=account_id,
            owner_id=bob,
            name="X",
            currency="EUR",
            expected_close_date=CLOSE,
        )
        with pytest.raises(Forbidden):
            run(app, cmd.open_opportunity, command, caller)
        mine = command.model_copy(update={"owner_id": ann})
        assert run(app, cmd.open_opportunity, mine, caller).created


class TestAdvanceStage:
    def test_records_from_to_and_the_stage_probability(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id)
        move = cmd.AdvanceStage(opportunity_id=opportunity_id, stage="negotiation")
        run(app, cmd.advance_stage, move)
        run(app, cmd.advance_stage, move)  # already there: nothing recorded
        event = events_of(app, opportunity_id)[-1]
        assert public_type(type(event)) == "sfa.opportunity.stage_changed.v1"
        assert (event.from_stage, event.to_stage) == ("prospecting", "negotiation")
        assert (event.probability, event.forecast_category) == (75, "commit")
        assert len(events_of(app, opportunity_id)) == 2

    def test_the_stage_must_exist_in_its_pipeline_now(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id, stage="proposal")
        remove = pipelines.RemoveStage(pipeline_id=DEFAULT_PIPELINE_ID, key="proposal")
        run(app, pipelines.remove_stage, remove)
        assert deal(app, opportunity_id).stage == "proposal"  # keeps its key
        back = cmd.AdvanceStage(opportunity_id=opportunity_id, stage="proposal")
        refused(app, cmd.advance_stage, back, "unknown_stage")
        on = cmd.AdvanceStage(opportunity_id=opportunity_id, stage="negotiation")
        run(app, cmd.advance_stage, on)
        assert deal(app, opportunity_id).stage == "negotiation"

    def test_a_rep_moves_only_their_own_deals(self) -> None:
        app, account_id = world()
        ann, bob = new_rep(app), new_rep(app)
        opportunity_id = open_deal(app, account_id, owner_id=bob)
        move = cmd.AdvanceStage(opportunity_id=opportunity_id, stage="proposal")
        with pytest.raises(Forbidden):
            run(app, cmd.advance_stage, move, rep(ann))
        run(app, cmd.advance_stage, move, rep(bob))


class TestWinLoseReopen:
    def test_closed_deals_only_reopen(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id, stage="proposal")
        run(app, cmd.win_opportunity, cmd.WinOpportunity(opportunity_id=opportunity_id))
        won = deal(app, opportunity_id)
        assert (won.status, won.probability, won.forecast_category) == (
            "won",
            100,
            "closed",
        )
        for handler, command in [
            (
                cmd.advance_stage,
                cmd.AdvanceStage(opportunity_id=opportunity_id, stage="negotiation"),
            ),
            (cmd.win_opportunity, cmd.WinOpportunity(opportunity_id=opportunity_id)),
            (
                cmd.lose_opportunity,
                cmd.LoseOpportunity(opportunity_id=opportunity_id, reason="x"),
            ),
            (
                cmd.change_opportunity_details,
                cmd.ChangeOpportunityDetails(
                    opportunity_id=opportunity_id, amount=Decimal(1)
                ),
            ),
            (
                cmd.add_line_item,
                cmd.AddLineItem(
                    opportunity_id=opportunity_id,
                    product="P",
                    quantity=Decimal(1),
                    unit_price=Decimal(1),
                ),
            ),
        ]:
            refused(app, handler, command, "opportunity_closed")
        reopen = cmd.ReopenOpportunity(opportunity_id=opportunity_id)
        run(app, cmd.reopen_opportunity, reopen)
        event = events_of(app, opportunity_id)[-1]
        assert (event.stage, event.probability) == ("proposal", 50)
        refused(app, cmd.reopen_opportunity, reopen, "opportunity_open")

    def test_lost_needs_a_reason(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id)
        with pytest.raises(ValidationError):
            cmd.LoseOpportunity(opportunity_id=opportunity_id, reason="  ")
        lose = cmd.LoseOpportunity(opportunity_id=opportunity_id, reason="price")
        run(app, cmd.lose_opportunity, lose)
        lost = deal(app, opportunity_id)
        assert (lost.status, lost.lost_reason, lost.probability) == ("lost", "price", 0)
        assert events_of(app, opportunity_id)[-1].reason == "price"


class TestChangeOpportunityDetails:
    def test_each_change_carries_old_and_new(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id)
        change = cmd.ChangeOpportunityDetails(
            opportunity_id=opportunity_id,
            name="Fleet 2027",
            amount=Decimal("150.50"),
            expected_close_date=date(2027, 6, 30),
        )
        run(app, cmd.change_opportunity_details, change)
        run(app, cmd.change_opportunity_details, change)  # the same: nothing
        events = events_of(app, opportunity_id)
        assert event_names(app, opportunity_id) == [
            "Opened",
            "Renamed",
            "AmountChanged",
            "CloseDateChanged",
        ]
        amount = events[2]
        assert (amount.old, amount.new) == (Decimal(100), Decimal("150.50"))
        assert (amount.old_currency, amount.currency) == ("EUR", "EUR")
        assert (events[3].old, events[3].new) == (CLOSE, date(2027, 6, 30))

    def test_currency_alone_changes_and_the_contact_clears(self) -> None:
        app, account_id = world()
        opportunity_id = open_deal(app, account_id)
        change = cmd.ChangeOpportunityDetails(
            opportunity_id=opportunity_id, currency="usd", primary_contact_id=None
        )
        run(app, cmd.change_opportunity_details, change)
        event = events_of(app, opportunity_id)[-1]
        assert (event.old, event.new, event.currency) == (100, 100, "USD")


class TestLineItems:
    def test_add_change_remove(self) -> None:
        app, account_id = world()
        opportunity_id, line_id = open_deal(app, account_id), uuid4()
        add = cmd.AddLineItem(
            opportunity_id=opportunity_id,
            line_id=line_id,
            product="Van",
            sku="VAN-1",
            quantity=Decimal(2),
            unit_price=Decimal("12000.50"),
        )
        run(app, cmd.add_line_item, add)
        run(app, cmd.add_line_item, add)  # the same line again: nothing
        assert deal(app, opportunity_id).lines_total == Decimal("24001.00")
        refused(
            app,
            cmd.add_line_item,
            add.model_copy(update={"quantity": Decimal(3)}),
            "line_id_reused",
        )
        change = cmd.ChangeLineItem(
            opportunity_id=opportunity_id,
            line_id=line_id,
            quantity=Decimal(3),
            sku=None,
        )
        run(app, cmd.change_line_item, change)
        changed = events_of(app, opportunity_id)[-1]
        assert (changed.old["quantity"], changed.new["quantity"]) == (2, 3)
        assert changed.new["sku"] is None
        remove = cmd.RemoveLineItem(opportunity_id=opportunity_id, line_id=line_id)
        run(app, cmd.remove_line_item, remove)
        refused(app, cmd.remove_line_item, remove, "unknown_line")
        assert event_names(app, opportunity_id)[1:] == [
            "LineItemAdded",
            "LineItemChanged",
            "LineItemRemoved",
        ]
        assert deal(app, opportunity_id).lines == ()

    def test_quantities_are_positive_and_only_sku_clears(self) -> None:
        with pytest.raises(ValidationError):
            cmd.AddLineItem(
                opportunity_id=uuid4(),
                product="P",
                quantity=Decimal(0),
                unit_price=Decimal(1),
            )
        app, account_id = world()
        opportunity_id, line_id = open_deal(app, account_id), uuid4()
        add = cmd.AddLineItem(
            opportunity_id=opportunity_id,
            line_id=line_id,
            product="P",
            quantity=Decimal(1),
            unit_price=Decimal(1),
        )
        run(app, cmd.add_line_item, add)
        clear = cmd.ChangeLineItem(
            opportunity_id=opportunity_id, line_id=line_id, quantity=None
        )
        refused(app, cmd.change_line_item, clear, "line_value_required")


STAGES = ["prospecting", "qualification", "proposal", "negotiation", "nowhere"]
amounts = st.decimals(min_value=-50, max_value=10_000, places=2)
LINE_IDS = [uuid4(), uuid4()]


class OpportunityMachine(RuleBasedStateMachine):
    """Random lifecycles (open -> stages -> won/lost -> reopen, with amounts
    and lines) against a dict model: a refused command records nothing, an
    accepted one leaves a history that replays to the model."""

    def __init__(self) -> None:
        super().__init__()
        self.app, account_id = world()
        self.id = open_deal(self.app, account_id, amount="100")
        self.model: dict[str, Any] = {
            "status": "open",
            "stage": "prospecting",
            "amount": Decimal(100),
            "lines": {},
        }

    def attempt(self, handler: Any, allowed: bool, **fields: Any) -> bool:
        command_class = {
            cmd.advance_stage: cmd.AdvanceStage,
            cmd.win_opportunity: cmd.WinOpportunity,
            cmd.lose_opportunity: cmd.LoseOpportunity,
            cmd.reopen_opportunity: cmd.ReopenOpportunity,
            cmd.change_opportunity_details: cmd.ChangeOpportunityDetails,
            cmd.add_line_item: cmd.AddLineItem,
            cmd.remove_line_item: cmd.RemoveLineItem,
        }[handler]
        before = len(events_of(self.app, self.id))
        try:
            run(self.app, handler, command_class(opportunity_id=self.id, **fields))
        except (RuleBroken, ValidationError):
            assert not allowed, f"refused: {handler.__name__} {fields}"
            assert len(events_of(self.app, self.id)) == before
            return False
        assert allowed, f"accepted: {handler.__name__} {fields}"
        return True

    @property
    def is_open(self) -> bool:
        return bool(self.model["status"] == "open")

    @rule(stage=st.sampled_from(STAGES))
    def advance(self, stage: str) -> None:
        ok = self.is_open and stage != "nowhere"
        if self.attempt(cmd.advance_stage, ok, stage=stage):
            self.model["stage"] = stage

    @rule()
    def win(self) -> None:
        if self.attempt(cmd.win_opportunity, self.is_open):
            self.model["status"] = "won"

    @rule(reason=st.sampled_from(["", "price", "timing"]))
    def lose(self, reason: str) -> None:
        if self.attempt(
            cmd.lose_opportunity, self.is_open and bool(reason), reason=reason
        ):
            self.model["status"] = "lost"

    @rule(stage=st.none() | st.sampled_from(STAGES))
    def reopen(self, stage: str | None) -> None:
        ok = not self.is_open and stage != "nowhere"
        if self.attempt(cmd.reopen_opportunity, ok, stage=stage):
            self.model["status"] = "open"
            self.model["stage"] = stage or self.model["stage"]

    @rule(amount=amounts)
    def change_amount(self, amount: Decimal) -> None:
        ok = self.is_open and amount >= 0
        if self.attempt(cmd.change_opportunity_details, ok, amount=amount):
            self.model["amount"] = amount

    @rule(line_id=st.sampled_from(LINE_IDS), price=amounts)
    def add_line(self, line_id: UUID, price: Decimal) -> None:
        lines = self.model["lines"]
        ok = self.is_open and price >= 0 and lines.get(line_id, price) == price
        fields = {
            "line_id": line_id,
            "product": "P",
            "quantity": 1,
            "unit_price": price,
        }
        if self.attempt(cmd.add_line_item, ok, **fields):
            lines[line_id] = price

    @rule(line_id=st.sampled_from(LINE_IDS))
    def remove_line(self, line_id: UUID) -> None:
        ok = self.is_open and line_id in self.model["lines"]
        if self.attempt(cmd.remove_line_item, ok, line_id=line_id):
            del self.model["lines"][line_id]

    @invariant()
    def stored_history_rebuilds_the_model(self) -> None:
        found = deal(self.app, self.id)  # replays every stored event
        assert (found.status, found.stage, found.amount) == (
            self.model["status"],
            self.model["stage"],
            self.model["amount"],
        )
        assert {li.line_id: li.unit_price for li in found.lines} == self.model["lines"]
        assert found.amount >= 0 and all(li.unit_price >= 0 for li in found.lines)
        events = events_of(self.app, self.id)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))


TestOpportunityMachine = OpportunityMachine.TestCase
TestOpportunityMachine.settings = settings(
    max_examples=40, stateful_step_count=20, deadline=None
)
