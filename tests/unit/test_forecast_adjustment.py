"""Forecast adjustments: recorded and revised by managers, kept as a
history, and read as of any moment beside the raw forecast."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from commands.base import Caller, Forbidden
from commands.forecast_adjustments import AdjustForecast, adjust_forecast
from domain.base import RuleBroken
from infra.view_store import SQLiteViewStore
from projections.adjustments import Adjustments, adjusted
from projections.runner import Runner
from tests.unit.forecast_world import History, at
from tests.unit.helpers import event_names, memory_app, registered_rep, run


def adjust(h: History, when: str, **fields: Any) -> Any:
    body = {"scope": "rep", "period": "2026-Q4", "currency": "EUR"}
    body |= {"amount": "1000", "note": "slips"}
    return h.do(when, AdjustForecast.model_validate(body | fields))


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(memory_app(), SQLiteViewStore(tmp_path / "views.db"))


class TestAdjustForecast:
    def test_revising_keeps_what_was_said_before(self, history: History) -> None:
        rep = str(registered_rep(history.app))
        first = adjust(history, "2026-10-01", member=rep)
        again = adjust(history, "2026-10-20", member=rep, amount="800", note="lost one")
        adjust(history, "2026-10-21", member=rep, amount="800", note="lost one")
        assert first == again
        assert event_names(history.app, first) == ["Recorded", "Revised"]
        Runner(Adjustments(), history.store, history.app).catch_up()

        def said(as_of: str | None) -> Any:
            moment = None if as_of is None else at(as_of)
            with history.store.transaction() as cursor:
                found = adjusted(
                    cursor, history.store.names(Adjustments), "rep", "2026-Q4", moment
                )
            return {k: (D(str(v.amount)), v.note) for k, v in found.items()}

        assert said("2026-09-30") == {}
        assert said("2026-10-15") == {(rep, "EUR"): (D(1000), "slips")}
        assert said(None) == {(rep, "EUR"): (D(800), "lost one")}

    def test_refusals(self, history: History) -> None:
        rep = str(registered_rep(history.app))
        for fields, rule in (
            ({"member": str(uuid4())}, "scope_rep_unknown"),
            ({"member": rep, "period": "Q4"}, "period_format"),
            ({"member": rep, "note": " "}, "note_required"),
        ):
            with pytest.raises(RuleBroken) as refused:
                adjust(history, "2026-10-01", **fields)
            assert refused.value.rule == rule, fields
        command = AdjustForecast.model_validate(
            {"scope": "rep", "member": rep, "period": "2026-Q4", "currency": "EUR"}
            | {"amount": "1", "note": "x"}
        )
        for roles in ({"rep"}, {"analyst"}):
            with pytest.raises(Forbidden):
                run(
                    history.app,
                    adjust_forecast,
                    command,
                    Caller("x", frozenset(roles), uuid4()),
                )
