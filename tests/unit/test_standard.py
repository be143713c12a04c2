"""Standard: set and revise through the commands on in-memory persistence;
random revision sequences checked against a simple model of "the target in
force for a period"."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands import standards as cmd
from commands.application import SalesApplication
from commands.base import Caller, Forbidden, IdReused
from domain.base import RuleBroken, public_type
from domain.standard import METRICS, Standard
from tests.unit.helpers import event_names, events_of, memory_app, registered_rep, run

MANAGER = Caller("meg", frozenset({"manager"}), uuid4())
JAN = date(2026, 1, 1)


def set_standard(
    app: SalesApplication, caller: Caller = MANAGER, **fields: Any
) -> UUID:
    body = {"metric": "deals_won", "target": "3", "scope": "everyone"}
    body |= {"period_kind": "month", "effective_from": JAN.isoformat()}
    command = cmd.SetStandard.model_validate(body | fields)
    return UUID(str(run(app, cmd.set_standard, command, caller).aggregate.id))


def revise(app: SalesApplication, standard_id: UUID, target: Any, day: date) -> None:
    command = cmd.ReviseStandard(
        standard_id=standard_id, target=target, effective_from=day
    )
    run(app, cmd.revise_standard, command, MANAGER)


class TestSetStandard:
    def test_records_the_definition_and_first_target(self) -> None:
        app = memory_app()
        standard_id = set_standard(app, target="12.5")
        (event,) = events_of(app, standard_id)
        assert public_type(type(event)) == "sfa.standard.set.v1"
        assert (event.actor, event.metric, event.target) == (
            "meg",
            "deals_won",
            Decimal("12.5"),
        )
        standard: Standard = app.repository.get(standard_id)
        assert standard.target_for(JAN - timedelta(days=1)) is None
        assert standard.target_for(JAN) == Decimal("12.5")

    def test_the_same_id_and_body_again_records_nothing(self) -> None:
        app = memory_app()
        standard_id = set_standard(app)
        set_standard(app, id=str(standard_id))
        assert event_names(app, standard_id) == ["Set"]
        with pytest.raises(IdReused):
            set_standard(app, id=str(standard_id), target="4")

    def test_only_managers_and_admins(self) -> None:
        for roles in ({"rep"}, {"analyst"}, {"service"}):
            with pytest.raises(Forbidden):
                set_standard(memory_app(), Caller("x", frozenset(roles), uuid4()))

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"scope": "rep", "subject": "not-an-id"}, "scope_rep_unknown"),
            ({"scope": "rep", "subject": str(uuid4())}, "scope_rep_unknown"),
            ({"scope": "team", "subject": str(uuid4())}, "scope_team_unknown"),
            ({"scope": "territory"}, "scope_subject"),
            ({"subject": "west"}, "scope_subject"),
            ({"metric": "won_amount"}, "standard_currency"),
            ({"currency": "EUR"}, "standard_currency"),
            ({"activity_kind": "call"}, "activity_kind"),
            ({"metric": "win_rate", "target": "101"}, "share_range"),
        ],
    )
    def test_refuses_a_bad_definition(self, fields: dict[str, Any], rule: str) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            set_standard(app, **fields)
        assert refused.value.rule == rule

    def test_a_rep_scope_names_an_existing_rep(self) -> None:
        app = memory_app()
        rep_id = registered_rep(app)
        standard_id = set_standard(app, scope="rep", subject=str(rep_id).upper())
        assert app.repository.get(standard_id).subject == str(rep_id)

    def test_every_metric_of_the_domain_is_a_command_metric(self) -> None:
        for metric in METRICS:
            cmd.SetStandard.model_validate(
                {"metric": metric, "target": 1, "scope": "everyone"}
                | {"period_kind": "year", "effective_from": "2026-01-01"}
            )


class TestReviseStandard:
    def test_a_revision_applies_from_its_date_and_retiring_ends_it(self) -> None:
        app = memory_app()
        standard_id = set_standard(app)
        revise(app, standard_id, "5", date(2026, 3, 1))
        revise(app, standard_id, None, date(2026, 6, 1))
        standard: Standard = app.repository.get(standard_id)
        assert standard.target_for(date(2026, 2, 28)) == Decimal(3)
        assert standard.target_for(date(2026, 3, 1)) == Decimal(5)
        assert standard.target_for(date(2026, 6, 30)) is None
        assert event_names(app, standard_id) == ["Set", "Revised", "Revised"]

    def test_refuses_a_date_before_the_latest_revision(self) -> None:
        app = memory_app()
        standard_id = set_standard(app)
        with pytest.raises(RuleBroken) as refused:
            revise(app, standard_id, "5", JAN - timedelta(days=1))
        assert refused.value.rule == "revision_order"

    def test_the_same_revision_again_records_nothing(self) -> None:
        app = memory_app()
        standard_id = set_standard(app)
        revise(app, standard_id, "3", JAN)
        assert event_names(app, standard_id) == ["Set"]


revisions = st.lists(
    st.tuples(st.integers(0, 30), st.none() | st.integers(0, 100).map(Decimal)),
    max_size=8,
)


@given(steps=revisions, probe=st.integers(-5, 300))
def test_the_target_in_force_is_the_latest_revision_on_or_before(
    steps: list[tuple[int, Decimal | None]], probe: int
) -> None:
    standard = Standard.define(
        id=uuid4(),
        metric="deals_won",
        target=Decimal(1),
        scope="everyone",
        period_kind="month",
        effective_from=JAN,
    )
    model: dict[date, Decimal | None] = {JAN: Decimal(1)}
    day = JAN
    for gap, target in steps:
        day += timedelta(days=gap)
        standard.revise(target, day)
        model[day] = target
    asked = JAN + timedelta(days=probe)
    in_force = [t for d, t in sorted(model.items()) if d <= asked]
    assert standard.target_for(asked) == (in_force[-1] if in_force else None)
    assert standard.target == model[max(model)]
