"""The dedup view on the SQLite store: pairs found on every path, merges,
dismissals, and a rebuild that equals the live view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands import contacts
from commands.accounts import (
    ChangeAccountDetails,
    OpenAccount,
    change_account_details,
    open_account,
)
from commands.merging import (
    MarkNotDuplicate,
    MergeRecords,
    UnmergeRecords,
    mark_not_duplicate,
    merge_records,
    unmerge_records,
)
from commands.normalise import PostalAddress
from infra.view_store import SQLiteViewStore
from projections import dedup_blocks, dedup_query
from projections.dedup import Dedup
from projections.runner import Runner
from tests.unit.helpers import memory_app, run


def register(app: Any, given: str, family: str, **fields: Any) -> UUID:
    command = contacts.RegisterContact(given_name=given, family_name=family, **fields)
    return UUID(str(run(app, contacts.register_contact, command).aggregate.id))


def pairs(store: SQLiteViewStore, table: str = f"{Dedup.name}_pairs") -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(
            "SELECT record_id, other_id, record_type, score, explanation FROM"
            f" {store.qualified(table)} ORDER BY record_id, other_id"
        )
        return cursor.fetchall()


def of(store: SQLiteViewStore, record_id: UUID) -> dict[str, tuple[float, Any]]:
    return {
        row[1]: (row[3], json.loads(row[4]))
        for row in pairs(store)
        if row[0] == str(record_id)
    }


def follow(app: Any, tmp_path: Path) -> tuple[SQLiteViewStore, Runner]:
    store = SQLiteViewStore(tmp_path / "views.db")
    return store, Runner(Dedup(), store, app)


class TestDedupProjection:
    def test_a_typo_and_a_shared_email_are_proposed_with_reasons(
        self, tmp_path: Path
    ) -> None:
        app = memory_app()
        store, runner = follow(app, tmp_path)
        ada = register(app, "Ada", "Lovelace", emails=("ada@analytical.org",))
        twin = register(app, "Ada", "Lovelance", emails=("ADA@analytical.org",))
        other = register(app, "Grace", "Hopper")
        runner.catch_up()
        found = of(store, ada)
        assert set(found) == {str(twin)}
        score, why = found[str(twin)]
        assert score > 0.9
        assert why["emails"]["how"] == "exact"
        assert why["family_name"]["how"] == "jaro_winkler"
        assert of(store, other) == {}

    def test_a_change_of_details_rescores(self, tmp_path: Path) -> None:
        app = memory_app()
        store, runner = follow(app, tmp_path)
        ada = register(app, "Ada", "Lovelace")
        bob = register(app, "Bob", "Smith")
        runner.catch_up()
        assert of(store, bob) == {}
        change = contacts.ChangeContactDetails(
            contact_id=bob, given_name="Ada", family_name="Lovelace"
        )
        run(app, contacts.change_contact_details, change)
        runner.catch_up()
        assert set(of(store, bob)) == {str(ada)}

    def test_same_address_and_postcode_block_together(self, tmp_path: Path) -> None:
        app = memory_app()
        store, runner = follow(app, tmp_path)
        home = PostalAddress(street="12 Baker Street", postcode="NW1 6XE")
        one = register(app, "Sherlock", "Holmes", address=home)
        two = register(app, "Sherlok", "Holms", address=home)
        runner.catch_up()
        _score, why = of(store, one)[str(two)]
        assert why["postcode"]["weight"] > 0 and why["street"]["similarity"] == 1.0

    def test_merged_duplicates_leave_and_unmerged_return(self, tmp_path: Path) -> None:
        app = memory_app()
        store, runner = follow(app, tmp_path)
        ada = register(app, "Ada", "Lovelace", emails=("ada@x.org",))
        twin = register(app, "Ada", "Lovelace", emails=("ada@x.org",))
        runner.catch_up()
        before = pairs(store)
        merge = MergeRecords(kind="contact", survivor_id=ada, duplicate_id=twin)
        run(app, merge_records, merge)
        runner.catch_up()
        assert pairs(store) == []
        unmerge = UnmergeRecords(kind="contact", survivor_id=ada, duplicate_id=twin)
        run(app, unmerge_records, unmerge)
        runner.catch_up()
        assert [row[:4] for row in pairs(store)] == [row[:4] for row in before]

    def test_not_a_duplicate_is_not_proposed_again(self, tmp_path: Path) -> None:
        app = memory_app()
        store, runner = follow(app, tmp_path)
        one = register(app, "John", "Smith")
        two = register(app, "John", "Smith")
        runner.catch_up()
        mark = MarkNotDuplicate(kind="contact", record_id=one, other_id=two)
        run(app, mark_not_duplicate, mark)
        change = contacts.ChangeContactDetails(contact_id=two, title="CFO")
        run(app, contacts.change_contact_details, change)
        rename = contacts.ChangeContactDetails(contact_id=two, family_name="Smyth")
        run(app, contacts.change_contact_details, rename)
        runner.catch_up()
        assert pairs(store) == []

    def test_a_converted_lead_is_checked_like_any_contact(self, tmp_path: Path) -> None:
        from commands.lead_conversion import ConvertLead, convert_lead
        from commands.leads import CaptureLead, QualifyLead, capture_lead, qualify_lead

        app = memory_app()
        store, runner = follow(app, tmp_path)
        grace = register(app, "Grace", "Hopper", emails=("grace@navy.example",))
        lead = CaptureLead.model_validate(
            {
                "source": {"kind": "web"},
                "given_name": "Grace",
                "family_name": "Hopper",
                "email": "grace@navy.example",
                "company_name": "Navy Labs",
            }
        )
        lead_id = run(app, capture_lead, lead).aggregate.id
        run(app, qualify_lead, QualifyLead(lead_id=lead_id))
        converted = run(app, convert_lead, ConvertLead(lead_id=lead_id))
        runner.catch_up()
        contact_id = converted.aggregate.contact_id
        assert set(of(store, grace)) == {str(contact_id)}

    def test_forget_leaves_no_personal_value_behind(self, tmp_path: Path) -> None:
        from projections.view import Step

        app = memory_app()
        store, runner = follow(app, tmp_path)
        ada = register(app, "Ada", "Lovelace", emails=("ada@x.org",))
        twin = register(app, "Ada", "Lovelace", emails=("ada@x.org",))
        runner.catch_up()
        mark = MarkNotDuplicate(kind="contact", record_id=ada, other_id=twin)
        run(app, mark_not_duplicate, mark)
        runner.catch_up()
        with store.transaction() as cursor:
            step = Step(cursor, store.names(Dedup), 0)
            Dedup().forget(step, ada)
        for table in ("records", "keys", "pairs", "dismissed"):
            found = [r for r in rows(store, f"{Dedup.name}_{table}") if str(ada) in r]
            assert found == [], table

    def test_accounts_with_one_web_domain(self, tmp_path: Path) -> None:
        app = memory_app()
        store, runner = follow(app, tmp_path)
        acme = run(
            app, open_account, OpenAccount(name="Acme Inc", web_domain="acme.com")
        )
        other = run(app, open_account, OpenAccount(name="ACME Ltd."))
        runner.catch_up()
        found = of(store, acme.aggregate.id)
        assert found[str(other.aggregate.id)][1]["name"]["similarity"] == 1.0
        change = ChangeAccountDetails(
            account_id=other.aggregate.id, web_domain="acme.com"
        )
        run(app, change_account_details, change)
        runner.catch_up()
        score, why = of(store, acme.aggregate.id)[str(other.aggregate.id)]
        assert why["web_domain"]["weight"] > 0 and score > 0.99


names = st.sampled_from(["Ada", "Ana", "Bob", "Robert", "Grace", "Lovelace"])
operations = st.lists(
    st.tuples(
        st.sampled_from(["register", "rename", "merge", "unmerge", "dismiss"]),
        names,
        names,
        st.integers(0, 20),
        st.integers(0, 20),
    ),
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@pytest.mark.parametrize("cap", [100, 2])
@given(operations)
def test_a_rebuild_equals_the_live_view(
    tmp_path: Path, monkeypatch: Any, cap: int, ops: list[Any]
) -> None:
    """The live view applies each command's events in a batch of their own;
    the rebuild applies them all in one (its blocks kept in memory: with a
    cap of 2, records leave and join full blocks)."""
    monkeypatch.setattr(dedup_query, "BLOCK_CAP", cap)
    monkeypatch.setattr(dedup_blocks, "BLOCK_CAP", cap)
    app = memory_app()
    folder = tmp_path / str(abs(hash(str(ops))))
    folder.mkdir()
    store, live = follow(app, folder)
    ids: list[UUID] = []
    for op, given_name, family, i, j in ops:
        try:
            if op == "register" or not ids:
                ids.append(register(app, given_name, family))
            elif op == "rename":
                change = contacts.ChangeContactDetails(
                    contact_id=ids[i % len(ids)],
                    given_name=given_name,
                    family_name=family,
                )
                run(app, contacts.change_contact_details, change)
            else:
                a, b = ids[i % len(ids)], ids[j % len(ids)]
                if op == "merge":
                    run(
                        app,
                        merge_records,
                        MergeRecords(kind="contact", survivor_id=a, duplicate_id=b),
                    )
                elif op == "unmerge":
                    run(
                        app,
                        unmerge_records,
                        UnmergeRecords(kind="contact", survivor_id=a, duplicate_id=b),
                    )
                else:
                    run(
                        app,
                        mark_not_duplicate,
                        MarkNotDuplicate(kind="contact", record_id=a, other_id=b),
                    )
        except Exception as e:  # a refused command records nothing
            assert getattr(e, "rule", None), e
        live.catch_up()
    Runner(Dedup(), store, app, shadow=True).catch_up()
    for table in ("pairs", "keys", "records", "dismissed"):
        live_rows = (
            pairs(store, f"{Dedup.name}_{table}")
            if table == "pairs"
            else rows(store, f"{Dedup.name}_{table}")
        )
        shadow = (
            pairs(store, f"{Dedup.name}_{table}__rebuild")
            if table == "pairs"
            else rows(store, f"{Dedup.name}_{table}__rebuild")
        )
        assert live_rows == shadow


def rows(store: SQLiteViewStore, table: str) -> list[Any]:
    with store.transaction() as cursor:
        cursor.execute(f"SELECT * FROM {store.qualified(table)} ORDER BY 1, 2")
        return cursor.fetchall()


def test_sfa_dedup_scan_rescores_with_progress(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    from api.cli import main

    for name in ("SFA_DATABASE_URL", "SFA_API_TOKENS", "SFA_API_TOKENS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["dedup", "scan"]) == 0
    captured = capsys.readouterr()
    assert "dedup scan: 1/1" in captured.err
    assert "re-scored up to position 1" in captured.out


def test_blocks_kept_in_memory_over_a_batch_equal_the_live_view(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Records join and leave full blocks (a cap of 2) and are marked not
    a duplicate within one batch: a rebuild that applies them in one batch
    equals the live view that applied a batch per command, at every stage."""
    monkeypatch.setattr(dedup_query, "BLOCK_CAP", 2)
    monkeypatch.setattr(dedup_blocks, "BLOCK_CAP", 2)
    app = memory_app()
    store, live = follow(app, tmp_path)
    rebuild = Runner(Dedup(), store, app, shadow=True)

    def same() -> None:
        live.catch_up()
        rebuild.catch_up()
        for table in ("pairs", "keys", "records", "dismissed"):
            name = f"{Dedup.name}_{table}"
            assert rows(store, name) == rows(store, f"{name}__rebuild"), table

    ids = []
    for _ in range(6):
        ids.append(register(app, "Ada", "Lovelace"))
        live.catch_up()
    same()
    lowest = sorted(ids, key=str)
    changes: list[tuple[UUID, dict[str, Any]]] = [
        (lowest[0], {"given_name": "Grace"}),  # leaves full blocks
        (lowest[5], {"family_name": "Lovelaze"}),  # looks in one it left
        (lowest[4], {"family_name": "Lovelase"}),  # after the mark below
        (lowest[0], {"given_name": "Ada"}),  # joins them again
    ]
    for n, (record_id, fields) in enumerate(changes):
        if n == 2:
            mark = MarkNotDuplicate(
                kind="contact", record_id=lowest[4], other_id=lowest[1]
            )
            run(app, mark_not_duplicate, mark)
            live.catch_up()
        change = contacts.ChangeContactDetails(contact_id=record_id, **fields)
        run(app, contacts.change_contact_details, change)
        live.catch_up()
    same()
