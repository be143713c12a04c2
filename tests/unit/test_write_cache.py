"""The write cache in one process: what a command borrows is the record as
saved, a copy its command may change without changing the cached one, and a
command that would not write what it borrowed is decided from the store.
(Across processes: tests/integration/test_pg_write_cache.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from commands import activities as act
from commands.accounts import OpenAccount, open_account
from commands.base import Context, load_for_write, save
from commands.write_cache import Loan, Reread, WriteCache, lend
from domain.account import Account
from domain.base import RuleBroken
from domain.outreach import ledger_id
from tests.unit.helpers import memory_app, registered_rep, run

WHEN = datetime(2031, 3, 4, 10, tzinfo=UTC)


class Record:
    def __init__(self, record_id: UUID, version: int) -> None:
        self.id, self.version = record_id, version
        self.rows: dict[str, list[str]] = {"a": ["x"]}
        self.pending_events: list[Any] = []


def test_a_planned_activity_and_its_ledger_are_lent_as_saved() -> None:
    app = memory_app()
    rep_id = registered_rep(app)
    account = run(app, open_account, OpenAccount(name="Acme", owner_id=rep_id))
    plan = act.PlanActivity(
        kind="call",
        purpose="renewal",
        account_id=account.aggregate.id,
        owner_id=rep_id,
        scheduled_at=WHEN,
    )
    activity_id = run(app, act.plan_activity, plan).aggregate.id
    cache = app.write_cache
    assert cache is not None
    for record_id in (activity_id, ledger_id(account.aggregate.id)):
        lent = cache.copy_of(record_id)
        stored: Any = app.repository.get(record_id)
        assert lent is not None and type(lent) is type(stored)
        assert lent.version == stored.version
        if hasattr(stored, "rows"):
            assert lent.rows == stored.rows
        else:
            assert vars(lent) == vars(stored)
    move = act.RescheduleActivity(
        activity_id=activity_id, scheduled_at=WHEN + timedelta(days=1)
    )
    moved = run(app, act.reschedule_activity, move)
    assert moved.aggregate.version == app.repository.get(activity_id).version == 2


def test_a_borrowed_copy_changes_alone() -> None:
    cache = WriteCache()
    record = Record(UUID(int=1), 3)
    cache.put([record])
    lent = lend(record)
    lent.rows["b"] = ["y"]
    lent.version = 4
    assert record.rows == {"a": ["x"]} and record.version == 3
    assert getattr(cache.copy_of(record.id), "rows", None) == {"a": ["x"]}


def test_an_older_save_does_not_replace_a_newer_one() -> None:
    cache = WriteCache(maxsize=2)
    newer, older = Record(UUID(int=1), 5), Record(UUID(int=1), 4)
    cache.put([newer])
    cache.put([older])
    assert getattr(cache.copy_of(newer.id), "version", None) == 5
    cache.put([Record(UUID(int=2), 1), Record(UUID(int=3), 1)])
    assert cache.copy_of(newer.id) is None  # the least recently saved went


def test_a_save_that_would_not_write_a_borrowed_record_rereads() -> None:
    cache = WriteCache()
    record = Record(UUID(int=1), 1)
    cache.put([record])
    loan = Loan(cache)
    assert loan.borrow(record.id) is not None
    with pytest.raises(Reread):
        loan.check([record])  # nothing pending: the copy is not proven current
    assert loan.borrow(record.id) is None  # nothing is lent after a save


def test_a_command_refused_after_its_save_is_not_run_again() -> None:
    """Decided again from the store only while nothing was written."""
    app = memory_app()
    account = run(app, open_account, OpenAccount(name="Acme"))
    runs: list[int] = []

    def rename_then_refuse(app: Any, command: str, ctx: Context) -> Any:
        runs.append(1)
        found = load_for_write(app, Account, account.aggregate.id, ctx, "it")
        found.rename(command)
        save(app, ctx, found)
        raise RuleBroken("refused after the save", rule="late")

    with pytest.raises(RuleBroken):
        run(app, rename_then_refuse, "Acme 2")
    assert runs == [1]
    assert app.repository.get(account.aggregate.id).version == 2


def test_a_checked_record_is_lent_only_where_the_store_checks_its_version() -> None:
    cache = WriteCache()
    checked, written = Record(UUID(int=1), 3), Record(UUID(int=2), 1)
    cache.put([checked])
    assert Loan(cache).consult(checked.id) is None
    loan = Loan(cache, checked=True)
    lent = loan.consult(checked.id)
    assert lent is not None and lent is not checked and loan.used
    written.pending_events = ["an event"]
    assert loan.check([written]) == {checked.id: 3}  # for the store to check
    assert loan.check([written]) == {}  # a later save follows the first's commit


def test_a_save_that_writes_nothing_after_a_check_rereads() -> None:
    cache = WriteCache()
    checked = Record(UUID(int=1), 3)
    cache.put([checked])
    loan = Loan(cache, checked=True)
    assert loan.consult(checked.id) is not None
    with pytest.raises(Reread):
        loan.check([Record(UUID(int=2), 1)])  # nothing would check the version
    loan.forget()
    assert cache.copy_of(checked.id) is None
