"""The outreach guard on PostgreSQL under real concurrency: writers on their
own applications (their own connection pools, as separate processes would
be) plan the same purpose for the same customer at the same moment, many
times over. Never are two accepted without an override."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from commands import activities as cmd
from commands.accounts import OpenAccount, open_account
from commands.activities_outreach import load_ledger
from commands.application import SalesApplication
from commands.base import Caller, Conflict, Context, execute
from commands.reps import RegisterRep, register_rep
from domain.outreach_rules import OutreachRefused
from infra.settings import Settings
from tests.services import drop_schema

pytestmark = pytest.mark.postgres

SCHEMA = "sfa_test_outreach_race"
ADMIN = Context(Caller("root", frozenset({"admin"})))
ROUNDS = 100
WRITERS = 4
T0 = datetime(2030, 5, 6, 9, tzinfo=UTC)


class Writer(SalesApplication):
    """One writer's application. With a ``barrier``, its next save waits
    until every writer has decided: all decided on the same ledger version."""

    barrier: threading.Barrier | None = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        barrier, self.barrier = self.barrier, None
        if barrier is not None:
            barrier.wait(timeout=30)
        return super().save(*objs, **kwargs)


@pytest.fixture
def writers(postgres_url: str) -> Iterator[list[Writer]]:
    drop_schema(postgres_url, SCHEMA)
    env = {**Settings(database_url=postgres_url).persistence_env()}
    apps = [Writer(env={**env, "SFA_DB_SCHEMA": SCHEMA}) for _ in range(WRITERS)]
    yield apps
    for app in apps:
        app.close()
    drop_schema(postgres_url, SCHEMA)


def setup(app: SalesApplication) -> tuple[list[UUID], list[UUID]]:
    reps = []
    for n in range(WRITERS):
        command = RegisterRep(name=f"Rep {n}", email=f"rep{n}@sfa.dev")
        reps.append(UUID(str(execute(register_rep, app, command, ADMIN).aggregate.id)))
    accounts = []
    for n in range(ROUNDS):
        opened = execute(open_account, app, OpenAccount(name=f"A{n}"), ADMIN)
        accounts.append(UUID(str(opened.aggregate.id)))
    return reps, accounts


def plan(app: Writer, rep: UUID, account: UUID, offset: int) -> str:
    body = {"kind": "call", "purpose": "renewal", "account_id": account}
    when = T0 + timedelta(hours=offset)
    command = cmd.PlanActivity.model_validate(
        body | {"owner_id": rep, "scheduled_at": when}
    )
    try:
        execute(cmd.plan_activity, app, command, ADMIN)
    except OutreachRefused:
        return "refused"
    except Conflict:
        return "conflict"
    return "planned"


def race(
    apps: list[Writer], reps: list[UUID], account: UUID, stale: bool
) -> Counter[str]:
    barrier = threading.Barrier(WRITERS)
    if stale:
        for app in apps:
            app.barrier = barrier
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [
            pool.submit(plan, app, rep, account, n)
            for n, (app, rep) in enumerate(zip(apps, reps, strict=True))
        ]
        return Counter(f.result(timeout=60) for f in futures)


class TestRacingWriters:
    @pytest.mark.parametrize("stale", [True, False], ids=["same-version", "free"])
    def test_one_plan_per_customer_however_the_writers_interleave(
        self, writers: list[Writer], stale: bool
    ) -> None:
        """Given WRITERS reps on their own connections, when all plan a renewal
        with one account at once (``same-version``: each decided before any
        saved), then exactly one is planned and the others are refused as
        collisions (their lost race was decided again), round after round."""
        reps, accounts = setup(writers[0])
        for account in accounts:
            results = race(writers, reps, account, stale)
            assert results == Counter(planned=1, refused=WRITERS - 1), results
            ledger = load_ledger(writers[0], account)
            assert ledger is not None and len(ledger.entries) == 1
