"""The write cache across processes, on PostgreSQL: two applications on one
store (as two processes would be), each lending the records it saved (or
checked) last to its next command. Whatever the other process wrote
meanwhile, every answer is the one a command reading the store would give."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from commands import activities as act
from commands import opportunities as opp
from commands.accounts import OpenAccount, open_account
from commands.application import SalesApplication
from commands.base import Caller, Context, Outcome, StaleVersion, execute
from commands.pipelines import RemoveStage, ensure_default_pipeline, remove_stage
from commands.reps import DeactivateRep, RegisterRep, deactivate_rep, register_rep
from domain.base import RuleBroken
from domain.outreach_rules import OutreachRefused
from domain.pipeline import DEFAULT_PIPELINE_ID
from infra.settings import Settings
from tests.services import drop_schema
from tests.unit.helpers import event_names

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_write_cache"
ADMIN = Context(Caller("root", frozenset({"admin"})))
WHEN = datetime(2031, 3, 4, 10, tzinfo=UTC)


@pytest.fixture
def pair(postgres_url: str) -> Iterator[tuple[SalesApplication, SalesApplication]]:
    drop_schema(postgres_url, SCHEMA)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    first, second = (
        SalesApplication(env={**env, "SFA_DB_SCHEMA": SCHEMA}) for _ in range(2)
    )
    ensure_default_pipeline(first)
    yield first, second
    first.close()
    second.close()
    drop_schema(postgres_url, SCHEMA)


def deal(app: SalesApplication) -> UUID:
    account = execute(open_account, app, OpenAccount(name="Acme"), ADMIN)
    command = opp.OpenOpportunity(
        account_id=account.aggregate.id,
        name="Fleet",
        currency="EUR",
        expected_close_date=WHEN.date(),
    )
    return UUID(str(execute(opp.open_opportunity, app, command, ADMIN).aggregate.id))


def advance(app: SalesApplication, deal_id: UUID, stage: str, **ctx: int) -> int:
    command = opp.AdvanceStage(opportunity_id=deal_id, stage=stage)
    context = Context(ADMIN.caller, **ctx)  # type: ignore[arg-type]
    return int(execute(opp.advance_stage, app, command, context).aggregate.version)


def test_a_stale_copy_costs_a_retry_not_a_refusal(
    pair: tuple[SalesApplication, SalesApplication],
) -> None:
    """The first process saved the deal at version 1; the second moves it.
    The first then moves it on, expecting the version the store has: it is
    recorded on top of the second's move, not refused as stale."""
    first, second = pair
    deal_id = deal(first)
    assert advance(second, deal_id, "qualification") == 2
    assert advance(first, deal_id, "proposal", expected_version=2) == 3
    with pytest.raises(StaleVersion):
        advance(first, deal_id, "negotiation", expected_version=2)
    assert advance(second, deal_id, "negotiation") == 4
    assert event_names(first, deal_id) == ["Opened"] + ["StageChanged"] * 3
    assert first.repository.get(deal_id).stage == "negotiation"


def test_a_copy_that_would_accept_what_the_store_refuses(
    pair: tuple[SalesApplication, SalesApplication],
) -> None:
    """The second process loses the deal the first holds open in its cache:
    the first's move is refused as the store's deal refuses it."""
    first, second = pair
    deal_id = deal(first)
    lose = opp.LoseOpportunity(opportunity_id=deal_id, reason="budget")
    execute(opp.lose_opportunity, second, lose, ADMIN)
    with pytest.raises(RuleBroken):
        advance(first, deal_id, "qualification")
    assert event_names(first, deal_id) == ["Opened", "Lost"]


def test_a_command_that_writes_nothing_answers_the_stored_version(
    pair: tuple[SalesApplication, SalesApplication],
) -> None:
    first, second = pair
    rep = execute(register_rep, first, RegisterRep(name="R", email="r@sfa.dev"), ADMIN)
    planned = _plan(first, rep.aggregate.id, WHEN)
    activity_id = planned.aggregate.id
    later = WHEN + timedelta(days=1)
    move = act.RescheduleActivity(activity_id=activity_id, scheduled_at=later)
    moved = execute(act.reschedule_activity, second, move, ADMIN)
    unchanged = act.ChangeActivityDetails(activity_id=activity_id, purpose="renewal")
    answer = execute(act.change_activity_details, first, unchanged, ADMIN)
    assert answer.aggregate.version == moved.aggregate.version == 2


def test_the_outreach_guard_decides_on_the_stored_ledger(
    pair: tuple[SalesApplication, SalesApplication],
) -> None:
    """The first process has the customer's ledger cached; the second files a
    renewal call for the same customer by another rep. The first's renewal
    call an hour later collides with it, as it would on the stored ledger."""
    first, second = pair
    reps = [
        execute(register_rep, first, RegisterRep(name=n, email=f"{n}@sfa.dev"), ADMIN)
        for n in ("ann", "bob")
    ]
    account = execute(open_account, first, OpenAccount(name="Acme"), ADMIN)
    account_id = account.aggregate.id
    _plan(first, reps[0].aggregate.id, WHEN - timedelta(days=90), account_id)
    _plan(second, reps[1].aggregate.id, WHEN, account_id)
    with pytest.raises(OutreachRefused):
        _plan(first, reps[0].aggregate.id, WHEN + timedelta(hours=1), account_id)


def test_an_owner_deactivated_elsewhere_is_refused_as_the_store_refuses(
    pair: tuple[SalesApplication, SalesApplication],
) -> None:
    """The first process holds the rep it registered and only checks it
    when planning; the second deactivates the rep. The first's next plan is
    refused as a plan checking the stored rep is, and records nothing."""
    first, second = pair
    rep = execute(register_rep, first, RegisterRep(name="R", email="r@sfa.dev"), ADMIN)
    rep_id = rep.aggregate.id
    account = execute(open_account, first, OpenAccount(name="Acme"), ADMIN)
    _plan(first, rep_id, WHEN, account.aggregate.id)
    head = first.recorder.max_notification_id()
    execute(deactivate_rep, second, DeactivateRep(rep_id=rep_id), ADMIN)
    with pytest.raises(RuleBroken) as refused:
        _plan(first, rep_id, WHEN + timedelta(days=30), account.aggregate.id)
    assert refused.value.rule == "owner_must_be_active_rep"
    assert first.recorder.max_notification_id() == (head or 0) + 1


def test_a_stage_removed_elsewhere_is_refused_as_the_store_refuses(
    pair: tuple[SalesApplication, SalesApplication],
) -> None:
    """The first process has read the default pipeline for a stage change;
    the second removes a stage. The first's move to it is refused."""
    first, second = pair
    deal_id = deal(first)
    assert advance(first, deal_id, "qualification") == 2
    remove = RemoveStage(pipeline_id=DEFAULT_PIPELINE_ID, key="proposal")
    execute(remove_stage, second, remove, ADMIN)
    with pytest.raises(RuleBroken):
        advance(first, deal_id, "proposal")
    assert event_names(first, deal_id) == ["Opened", "StageChanged"]


def _plan(
    app: SalesApplication,
    rep_id: UUID,
    when: datetime,
    account_id: UUID | None = None,
) -> Outcome:
    if account_id is None:
        account = execute(open_account, app, OpenAccount(name="Other"), ADMIN)
        account_id = account.aggregate.id
    command = act.PlanActivity(
        kind="call",
        purpose="renewal",
        account_id=account_id,
        owner_id=rep_id,
        scheduled_at=when,
    )
    return execute(act.plan_activity, app, command, ADMIN)
