"""``sfa outreach backfill``: outreach recorded before the guard existed is
filed in its customers' ledgers, once, without deciding anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from api import cli
from commands import activities as cmd
from commands.activities_backfill import backfill
from commands.activities_outreach import load_ledger
from commands.base import Context
from domain.activity import Activity
from domain.outreach_rules import OutreachRefused
from tests.unit.helpers import ADMIN, run
from tests.unit.test_outreach_guard import World

SOON = datetime.now(UTC) + timedelta(days=3)


@pytest.fixture
def world() -> World:
    return World.make()


def recorded_before_the_guard(world: World, rep: UUID, **fields: Any) -> UUID:
    """An activity saved as the engine did before the guard: no ledger."""
    details = {"kind": "call", "purpose": "renewal", "owner_id": rep} | fields
    activity = Activity.plan(uuid4(), SOON, **details)
    world.app.save(activity)
    return activity.id


class TestBackfill:
    def test_files_what_still_counts_once_and_then_the_guard_sees_it(
        self, world: World
    ) -> None:
        old = recorded_before_the_guard(world, world.ann, account_id=world.account)
        alone = recorded_before_the_guard(world, world.ann, contact_id=world.loner)
        dropped = recorded_before_the_guard(world, world.bob, contact_id=world.contact)
        run(
            world.app,
            cmd.cancel_activity,
            cmd.CancelActivity(activity_id=dropped, reason="x"),
        )
        seen: list[tuple[int, int]] = []

        filed = backfill(world.app, Context(ADMIN), lambda d, t: seen.append((d, t)))

        assert (filed, seen[-1]) == (2, (3, 3))
        ledger = load_ledger(world.app, world.account)
        assert ledger is not None and set(ledger.entries) == {old}
        loner = load_ledger(world.app, world.loner)
        assert loner is not None and set(loner.entries) == {alone}
        assert backfill(world.app, Context(ADMIN)) == 0  # again: nothing new
        body = {"kind": "call", "purpose": "renewal", "account_id": world.account}
        late = cmd.PlanActivity.model_validate(
            body | {"owner_id": world.bob, "scheduled_at": SOON}
        )
        with pytest.raises(OutreachRefused):
            run(world.app, cmd.plan_activity, late)


def test_the_command_line_runs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SFA_SQLITE_PATH", str(tmp_path / "sfa.db"))
    monkeypatch.delenv("SFA_DATABASE_URL", raising=False)
    assert cli.main(["outreach", "backfill"]) == 0
    assert "filed 0 outreach activities" in capsys.readouterr().out
