"""``load_many``: several records read together, as ``exists`` reads each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from commands.accounts import OpenAccount, open_account
from commands.activities import PlanActivity, plan_activity
from commands.application import SalesApplication
from commands.base import Context, NotFound, StaleVersion, exists, load, load_many
from commands.opportunities import (
    AdvanceStage,
    OpenOpportunity,
    advance_stage,
    open_opportunity,
)
from commands.pipelines import ensure_default_pipeline
from domain.account import Account
from domain.base import RuleBroken
from domain.pipeline import DEFAULT_PIPELINE_ID
from tests.unit.helpers import memory_app, registered_rep, run


def with_many(app: SalesApplication) -> list[list[UUID]]:
    """Gives the in-memory recorder ``select_events_many``; the ids asked."""
    asked: list[list[UUID]] = []

    def select_events_many(ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        asked.append(list(ids))
        found = {i: list(app.recorder.select_events(i)) for i in ids}
        return {i: events for i, events in found.items() if events}

    setattr(app.recorder, "select_events_many", select_events_many)  # noqa: B010
    return asked


def no_single_reads(app: SalesApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("read one by one")

    monkeypatch.setattr(app.repository, "get", refuse)


def account(app: SalesApplication, owner: UUID | None = None) -> UUID:
    outcome = run(app, open_account, OpenAccount(name="Acme", owner_id=owner))
    return UUID(str(outcome.aggregate.id))


@pytest.mark.parametrize("many", [False, True])
def test_records_as_exists_reads_them(many: bool) -> None:
    app = memory_app()
    asked = with_many(app) if many else []
    rep_id = registered_rep(app)
    account_id = account(app, rep_id)
    missing = uuid4()
    loaded = load_many(app, [rep_id, None, account_id, missing, rep_id])
    assert list(loaded) == [rep_id, account_id, missing]
    assert loaded[missing] is None
    for record_id in (rep_id, account_id):
        found, alone = loaded[record_id], exists(app, record_id)
        assert found is not None and alone is not None
        assert type(found) is type(alone)
        assert found.__dict__ == alone.__dict__
    assert asked == ([[rep_id, account_id, missing]] if many else [])


def test_load_keeps_its_refusals_with_records_read_ahead() -> None:
    app = memory_app()
    with_many(app)
    rep_id = registered_rep(app)
    account_id = account(app)
    loaded = load_many(app, [rep_id, account_id, DEFAULT_PIPELINE_ID])
    anyone = Context.anonymous()
    assert load(app, Account, account_id, anyone, loaded).id == account_id
    with pytest.raises(NotFound):
        load(app, Account, rep_id, anyone, loaded)
    with pytest.raises(NotFound):
        load(app, Account, DEFAULT_PIPELINE_ID, anyone, loaded)
    stale = Context(anyone.caller, expected_version=9)
    with pytest.raises(StaleVersion):
        load(app, Account, account_id, stale, loaded)


def test_one_id_or_none_is_read_as_exists_reads_it() -> None:
    app = memory_app()
    asked = with_many(app)
    account_id = account(app)
    assert load_many(app, [None]) == {}
    found = load_many(app, [account_id])[account_id]
    assert found is not None and found.id == account_id
    assert asked == []


def test_plan_activity_reads_owner_and_account_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = memory_app()
    asked = with_many(app)
    rep_id = registered_rep(app)
    account_id = account(app, rep_id)
    no_single_reads(app, monkeypatch)
    when = datetime.now(UTC) + timedelta(days=1)
    plan = PlanActivity(
        kind="call",
        purpose="prospecting",
        account_id=account_id,
        owner_id=rep_id,
        scheduled_at=when,
    )
    assert run(app, plan_activity, plan).created
    assert asked == [[rep_id, account_id]]
    monkeypatch.undo()
    unknown = plan.model_copy(update={"account_id": uuid4()})
    with pytest.raises(RuleBroken) as refused:
        run(app, plan_activity, unknown)
    assert refused.value.rule == "unknown_account"
    inactive = plan.model_copy(update={"owner_id": account_id})
    with pytest.raises(RuleBroken) as refused:
        run(app, plan_activity, inactive)
    assert refused.value.rule == "owner_must_be_active_rep"


@pytest.mark.parametrize("cached", [False, True])
def test_advance_stage_reads_the_deal_with_the_default_pipeline(
    monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """Uncached, the deal and the pipeline in one round trip; with the deal
    as this process saved it (``commands.write_cache``), the pipeline alone."""
    app = memory_app()
    if not cached:
        app.write_cache = None
    ensure_default_pipeline(app)
    asked = with_many(app)
    account_id = account(app)
    opening = OpenOpportunity(
        account_id=account_id,
        name="Deal",
        currency="EUR",
        expected_close_date=datetime.now(UTC).date(),
    )
    deal = UUID(str(run(app, open_opportunity, opening).aggregate.id))
    pipeline = load_many(app, [DEFAULT_PIPELINE_ID, deal])[DEFAULT_PIPELINE_ID]
    stage = pipeline.stages[1].key  # type: ignore[union-attr]
    asked.clear()
    if not cached:
        no_single_reads(app, monkeypatch)
    outcome = run(app, advance_stage, AdvanceStage(opportunity_id=deal, stage=stage))
    assert outcome.aggregate.stage == stage
    assert asked == ([] if cached else [[deal, DEFAULT_PIPELINE_ID]])
    monkeypatch.undo()
    with pytest.raises(NotFound):
        run(app, advance_stage, AdvanceStage(opportunity_id=uuid4(), stage=stage))
