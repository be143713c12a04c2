"""Merge and unmerge of contacts and accounts: commands on the in-memory
store."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import contacts
from commands.accounts import OpenAccount, open_account
from commands.merging import (
    MarkNotDuplicate,
    MergeRecords,
    UnmergeRecords,
    mark_not_duplicate,
    merge_records,
    unmerge_records,
)
from commands.normalise import PostalAddress
from domain.base import RuleBroken
from domain.contact import MERGED_FIELDS
from tests.unit.helpers import event_names, memory_app, run

text = st.sampled_from(["", "Ada", "Lovelace", "CTO", "sales", "Grace"])
maybe = st.one_of(st.none(), st.sampled_from(["CTO", "VP", "sales", "ops"]))
emails = st.lists(st.sampled_from(["a@x.org", "b@y.org", "c@z.org"]), unique=True)
addresses = st.one_of(st.none(), st.builds(PostalAddress, street=maybe, postcode=maybe))
contact_bodies = st.fixed_dictionaries(
    {
        "given_name": st.sampled_from(["Ada", "Grace", "Bob"]),
        "family_name": st.sampled_from(["Lovelace", "Hopper"]),
        "emails": emails.map(tuple),
        "title": maybe,
        "department": maybe,
        "do_not_contact": st.booleans(),
        "address": addresses,
    }
)
choices = st.dictionaries(
    st.sampled_from(MERGED_FIELDS), st.sampled_from(["survivor", "duplicate"])
)


def state(app: Any, record_id: UUID) -> dict[str, Any]:
    record = app.repository.get(record_id)
    names = (*MERGED_FIELDS, "merged_into", "merges", "not_duplicates")
    return {name: getattr(record, name) for name in names}


def register(app: Any, body: dict[str, Any]) -> UUID:
    outcome = run(app, contacts.register_contact, contacts.RegisterContact(**body))
    return UUID(str(outcome.aggregate.id))


class TestMergeContacts:
    @settings(max_examples=60, deadline=None)
    @given(contact_bodies, contact_bodies, choices)
    def test_merge_then_unmerge_restores_both_records(
        self, first: dict[str, Any], second: dict[str, Any], choose: dict[str, Any]
    ) -> None:
        app = memory_app()
        a, b = register(app, first), register(app, second)
        before = (state(app, a), state(app, b))
        events = (event_names(app, a), event_names(app, b))
        merge = MergeRecords(
            kind="contact", survivor_id=a, duplicate_id=b, choose=choose
        )
        run(app, merge_records, merge)
        assert state(app, b)["merged_into"] == a
        chosen = {n: s for n, s in choose.items() if n not in ("emails", "phones")}
        for name, side in chosen.items():
            source = before[1] if side == "duplicate" else before[0]
            assert state(app, a)[name] == source[name]
        run(
            app,
            unmerge_records,
            UnmergeRecords(kind="contact", survivor_id=a, duplicate_id=b),
        )
        assert (state(app, a), state(app, b)) == before
        assert event_names(app, a)[: len(events[0])] == events[0]
        assert event_names(app, b)[: len(events[1])] == events[1]

    @settings(max_examples=30, deadline=None)
    @given(contact_bodies, contact_bodies, choices)
    def test_merging_again_records_nothing(
        self, first: dict[str, Any], second: dict[str, Any], choose: dict[str, Any]
    ) -> None:
        app = memory_app()
        a, b = register(app, first), register(app, second)
        merge = MergeRecords(
            kind="contact", survivor_id=a, duplicate_id=b, choose=choose
        )
        run(app, merge_records, merge)
        once = (state(app, a), state(app, b), app.recorder.max_notification_id())
        run(app, merge_records, merge)
        assert (
            state(app, a),
            state(app, b),
            app.recorder.max_notification_id(),
        ) == once

    def test_defaults_most_recent_non_empty_and_both_emails(self) -> None:
        app = memory_app()
        a = register(
            app, {"given_name": "Ada", "family_name": "L", "emails": ("a@x.org",)}
        )
        b = register(
            app,
            {
                "given_name": "Ada",
                "family_name": "L",
                "title": "CTO",
                "emails": ("b@x.org",),
            },
        )
        change = contacts.ChangeContactDetails(contact_id=a, department="sales")
        run(app, contacts.change_contact_details, change)
        run(
            app,
            merge_records,
            MergeRecords(kind="contact", survivor_id=a, duplicate_id=b),
        )
        merged = state(app, a)
        assert merged["title"] == "CTO" and merged["department"] == "sales"
        assert merged["emails"] == ("a@x.org", "b@x.org")

    def test_an_alias_refuses_changes_until_unmerged(self) -> None:
        app = memory_app()
        a = register(app, {"given_name": "Ada", "family_name": "L"})
        b = register(app, {"given_name": "Ada", "family_name": "L"})
        run(
            app,
            merge_records,
            MergeRecords(kind="contact", survivor_id=a, duplicate_id=b),
        )
        change = contacts.ChangeContactDetails(contact_id=b, title="CTO")
        with pytest.raises(RuleBroken, match="merged into"):
            run(app, contacts.change_contact_details, change)
        other = register(app, {"given_name": "Ada", "family_name": "L"})
        with pytest.raises(RuleBroken):
            run(
                app,
                merge_records,
                MergeRecords(kind="contact", survivor_id=other, duplicate_id=b),
            )
        with pytest.raises(RuleBroken):
            run(
                app,
                merge_records,
                MergeRecords(kind="contact", survivor_id=b, duplicate_id=other),
            )

    def test_a_later_change_survives_the_unmerge(self) -> None:
        app = memory_app()
        a = register(app, {"given_name": "Ada", "family_name": "L", "title": "CTO"})
        b = register(app, {"given_name": "Ada", "family_name": "L", "title": "VP"})
        merge = MergeRecords(
            kind="contact", survivor_id=a, duplicate_id=b, choose={"title": "duplicate"}
        )
        run(app, merge_records, merge)
        change = contacts.ChangeContactDetails(contact_id=a, title="CEO")
        run(app, contacts.change_contact_details, change)
        run(
            app,
            unmerge_records,
            UnmergeRecords(kind="contact", survivor_id=a, duplicate_id=b),
        )
        assert state(app, a)["title"] == "CEO"

    def test_not_a_duplicate_is_recorded_on_both_once(self) -> None:
        app = memory_app()
        a = register(app, {"given_name": "Ada", "family_name": "L"})
        b = register(app, {"given_name": "Ada", "family_name": "L"})
        mark = MarkNotDuplicate(kind="contact", record_id=a, other_id=b, reason="twins")
        run(app, mark_not_duplicate, mark)
        run(app, mark_not_duplicate, mark)
        assert event_names(app, a).count("NotDuplicateMarked") == 1
        assert state(app, b)["not_duplicates"] == (a,)


class TestMergeAccounts:
    def test_merge_and_unmerge(self) -> None:
        app = memory_app()
        a = run(
            app, open_account, OpenAccount(name="Acme", web_domain="acme.com")
        ).aggregate.id
        b = run(
            app, open_account, OpenAccount(name="ACME Inc", industry="tools")
        ).aggregate.id
        run(
            app,
            merge_records,
            MergeRecords(kind="account", survivor_id=a, duplicate_id=b),
        )
        survivor: Any = app.repository.get(a)
        assert survivor.industry == "tools" and survivor.name == "ACME Inc"
        assert app.repository.get(b).merged_into == a
        run(
            app,
            unmerge_records,
            UnmergeRecords(kind="account", survivor_id=a, duplicate_id=b),
        )
        survivor = app.repository.get(a)
        assert (survivor.name, survivor.industry) == ("Acme", None)
