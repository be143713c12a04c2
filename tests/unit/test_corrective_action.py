"""CorrectiveAction: open, change and close through the commands, on
in-memory persistence; who may, and what is refused."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from commands import corrective_actions as cmd
from commands.application import SalesApplication
from commands.base import Caller, Forbidden, IdReused
from domain.base import RuleBroken, public_type
from domain.corrective_action import CorrectiveAction
from tests.unit.helpers import event_names, events_of, memory_app, registered_rep, run

MANAGER = Caller("meg", frozenset({"manager"}), uuid4())


def open_action(app: SalesApplication, caller: Caller = MANAGER, **fields: Any) -> UUID:
    rep_id = fields.pop("rep_id", None) or registered_rep(app)
    body = {"scope": "rep", "member": str(rep_id), "metric": "deals_won"}
    body |= {"period": "2026-11", "owner_id": str(rep_id), "kind": "coaching"}
    body |= {"due_date": "2026-12-15"}
    command = cmd.OpenCorrectiveAction.model_validate(body | fields)
    return UUID(str(run(app, cmd.open_corrective_action, command, caller).aggregate.id))


def close(app: SalesApplication, action_id: UUID, outcome: str = "done") -> None:
    command = cmd.CloseCorrectiveAction(
        action_id=action_id, outcome=outcome, closed_on=date(2026, 12, 1)
    )
    run(app, cmd.close_corrective_action, command, MANAGER)


class TestOpenCorrectiveAction:
    def test_records_what_it_addresses(self) -> None:
        app = memory_app()
        action_id = open_action(app, note="ride-alongs")
        (event,) = events_of(app, action_id)
        assert public_type(type(event)) == "sfa.corrective_action.opened.v1"
        action: CorrectiveAction = app.repository.get(action_id)
        assert (action.metric, action.period, action.status) == (
            "deals_won",
            "2026-11",
            "open",
        )

    def test_the_same_id_and_body_again_records_nothing(self) -> None:
        app = memory_app()
        rep_id = registered_rep(app)
        action_id = open_action(app, rep_id=rep_id)
        open_action(app, rep_id=rep_id, id=str(action_id))
        assert event_names(app, action_id) == ["Opened"]
        with pytest.raises(IdReused):
            open_action(app, rep_id=rep_id, id=str(action_id), kind="training")

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"period": "2026-13"}, "period_format"),
            ({"period": "November"}, "period_format"),
            ({"member": str(uuid4())}, "scope_rep_unknown"),
            ({"owner_id": str(uuid4())}, "owner_must_be_active_rep"),
        ],
    )
    def test_refuses(self, fields: dict[str, Any], rule: str) -> None:
        with pytest.raises(RuleBroken) as refused:
            open_action(memory_app(), **fields)
        assert refused.value.rule == rule

    def test_only_managers_and_admins(self) -> None:
        for roles in ({"rep"}, {"analyst"}, {"auditor"}, {"service"}):
            with pytest.raises(Forbidden):
                open_action(memory_app(), Caller("x", frozenset(roles), uuid4()))


class TestChangeAndClose:
    def test_change_the_due_date_and_owner_then_close(self) -> None:
        app = memory_app()
        action_id = open_action(app)
        other = registered_rep(app)
        command = cmd.ChangeCorrectiveAction(
            action_id=action_id, due_date=date(2027, 1, 15), owner_id=other
        )
        run(app, cmd.change_corrective_action, command, MANAGER)
        run(app, cmd.change_corrective_action, command, MANAGER)  # nothing new
        close(app, action_id, "back on track")
        assert event_names(app, action_id) == [
            "Opened",
            "DueDateChanged",
            "OwnerChanged",
            "Closed",
        ]
        action: CorrectiveAction = app.repository.get(action_id)
        assert (action.owner_id, action.outcome) == (other, "back on track")

    def test_a_closed_action_does_not_change(self) -> None:
        app = memory_app()
        action_id = open_action(app)
        close(app, action_id)
        for attempt in (
            lambda: close(app, action_id),
            lambda: run(
                app,
                cmd.change_corrective_action,
                cmd.ChangeCorrectiveAction(action_id=action_id, due_date=date.today()),
                MANAGER,
            ),
        ):
            with pytest.raises(RuleBroken) as refused:
                attempt()
            assert refused.value.rule == "action_closed"

    def test_closing_needs_an_outcome(self) -> None:
        app = memory_app()
        action_id = open_action(app)
        with pytest.raises(RuleBroken) as refused:
            close(app, action_id, "  ")
        assert refused.value.rule == "outcome_required"
