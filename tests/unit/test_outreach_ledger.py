"""The outreach ledger and its rules, given / when / then: which approaches
collide, the frequency cap's sliding period, and what is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.outreach import OutreachLedger, ledger_id
from domain.outreach_rules import CAP, COLLISION, Entry, OutreachRefused, Policy

T0 = datetime(2030, 5, 6, 9, tzinfo=UTC)
ACCOUNT, CONTACT, OTHER_CONTACT = uuid4(), uuid4(), uuid4()
ANN, BOB = uuid4(), uuid4()


def entry(days: float = 0, **fields: Any) -> Entry:
    values: dict[str, Any] = {
        "activity_id": uuid4(),
        "purpose": "renewal",
        "contact_id": CONTACT,
        "account_id": ACCOUNT,
        "owner_id": ANN,
        "department": "sales",
        "status": "planned",
        "at": T0 + timedelta(days=days),
    }
    return Entry(**(values | fields))


def ledger_with(*entries: Entry, policy: Policy | None = None) -> OutreachLedger:
    ledger = OutreachLedger(customer_id=ACCOUNT)
    for filed in entries:
        ledger.file(filed, policy or Policy())
    return ledger


def refusal(ledger: OutreachLedger, new: Entry, policy: Policy) -> OutreachRefused:
    with pytest.raises(OutreachRefused) as refused:
        ledger.file(new, policy)
    return refused.value


class TestCollisions:
    def test_another_rep_same_purpose_same_account_within_the_window(self) -> None:
        first = entry()
        ledger = ledger_with(first)
        refused = refusal(ledger, entry(29, owner_id=BOB), Policy())
        assert refused.rule == COLLISION
        [clash] = refused.details["collisions"]
        assert clash["activity_id"] == str(first.activity_id)
        assert (clash["rep_id"], clash["department"]) == (str(ANN), "sales")
        assert clash["at"] == T0.isoformat() and clash["status"] == "planned"
        assert str(first.activity_id) in str(refused)

    def test_another_department_of_the_same_rep_collides(self) -> None:
        ledger = ledger_with(entry())
        assert refusal(ledger, entry(1, department="service"), Policy()).clashes

    def test_another_contact_of_the_same_account_collides(self) -> None:
        """A contact's account counts."""
        ledger = ledger_with(entry())
        new = entry(1, owner_id=BOB, contact_id=OTHER_CONTACT)
        assert refusal(ledger, new, Policy()).clashes

    @pytest.mark.parametrize(
        "fields",
        [
            {"owner_id": ANN},  # the same rep and department
            {"purpose": "demo"},
            {"contact_id": OTHER_CONTACT, "account_id": uuid4()},
            {"at": T0 + timedelta(days=30)},  # the window is 30 days, exclusive
            {"at": T0 - timedelta(days=30)},
        ],
    )
    def test_what_does_not_collide(self, fields: dict[str, Any]) -> None:
        ledger = ledger_with(entry())
        new = entry(**({"owner_id": BOB} | fields))
        assert ledger.file(new, Policy()) == []
        assert new.activity_id in ledger.entries

    def test_a_purpose_has_its_own_window_and_a_product_its_head_s(self) -> None:
        policy = Policy(windows=(("renewal", 90), ("upsell", 5)))
        assert policy.window("renewal") == timedelta(days=90)
        assert policy.window("upsell:seats") == timedelta(days=5)
        assert policy.window("demo") == timedelta(days=30)
        ledger = ledger_with(entry(), policy=policy)
        assert refusal(ledger, entry(60, owner_id=BOB), policy).clashes
        seats = entry(purpose="upsell:seats")
        ledger.file(seats, policy)
        assert ledger.file(entry(5, owner_id=BOB, purpose="upsell:seats"), policy) == []

    def test_an_override_files_it_and_says_what_it_overrode(self) -> None:
        first = entry()
        ledger = ledger_with(first)
        new = entry(2, owner_id=BOB)
        overridden = ledger.file(new, Policy(), "customer asked for Bob")
        assert [c.entry for c in overridden] == [first]
        assert new.activity_id in ledger.entries

    def test_an_activity_never_collides_with_itself(self) -> None:
        first = entry()
        ledger = ledger_with(first)
        moved = Entry(**(vars(first) | {"at": T0 + timedelta(days=3)}))
        assert ledger.file(moved, Policy()) == []
        assert ledger.entries[first.activity_id].at == moved.at


class TestFrequencyCap:
    POLICY = Policy(cap=2, cap_days=7)

    def given(self, *days: float) -> OutreachLedger:
        """Entries of different purposes, so only the cap can refuse."""
        purposes = iter(["demo", "proposal", "renewal", "onboarding"])
        return ledger_with(
            *(entry(d, purpose=next(purposes)) for d in days), policy=self.POLICY
        )

    def test_a_third_in_one_period_is_refused_naming_the_other_two(self) -> None:
        ledger = self.given(0, 5)
        refused = refusal(ledger, entry(3, purpose="negotiation"), self.POLICY)
        assert refused.rule == CAP
        assert [c.entry.at for c in refused.clashes] == [T0, T0 + timedelta(days=5)]

    @pytest.mark.parametrize("day", [11, 12, -2.5, -7])
    def test_the_period_slides(self, day: float) -> None:
        """Every span of 7 days holding the new one holds at most one other."""
        ledger = self.given(0, 5)
        assert ledger.file(entry(day, purpose="negotiation"), self.POLICY) == []

    def test_counts_every_rep_and_department_but_only_this_contact(self) -> None:
        ledger = self.given(0, 1)
        other = entry(2, purpose="negotiation", contact_id=OTHER_CONTACT)
        assert ledger.file(other, self.POLICY) == []
        bob = entry(2, purpose="qualification", owner_id=BOB, department="service")
        assert refusal(ledger, bob, self.POLICY).rule == CAP

    def test_no_cap_unless_set(self) -> None:
        ledger = ledger_with(*(entry(d / 10, purpose="demo") for d in range(20)))
        assert len(ledger.entries) == 20


class TestRecording:
    def test_the_ledger_of_a_customer_has_a_stable_id(self) -> None:
        ledger = OutreachLedger(customer_id=ACCOUNT)
        assert ledger.id == ledger_id(ACCOUNT) == ledger_id(UUID(str(ACCOUNT)))

    def test_each_change_records_the_live_state_and_prunes_the_rest(self) -> None:
        planned, recent = entry(-100), entry(-10, status="completed")
        old = entry(-40, status="completed", purpose="demo")
        ledger = ledger_with(planned, recent, old)
        ledger.keep_since = T0 - timedelta(days=30)
        ledger.withdraw(uuid4())  # nothing to withdraw: nothing recorded
        new = entry(1, purpose="proposal")
        ledger.update(new)
        last: Any = ledger.collect_events()[-1]
        rebuilt = last.mutate(None)
        wanted = {planned.activity_id, recent.activity_id, new.activity_id}
        assert set(rebuilt.entries) == set(ledger.entries) == wanted
        assert (rebuilt.id, rebuilt.version) == (ledger.id, ledger.version)

    def test_the_reach_is_the_longest_window_or_the_cap_period(self) -> None:
        assert Policy().reach == timedelta(days=30)
        assert Policy(windows=(("renewal", 90),)).reach == timedelta(days=90)
        assert Policy(cap=3, cap_days=60).reach == timedelta(days=60)

    def test_filing_the_same_state_again_records_nothing(self) -> None:
        first = entry()
        ledger = ledger_with(first)
        ledger.collect_events()
        ledger.file(first, Policy())
        ledger.update(first)
        ledger.withdraw(uuid4())
        assert ledger.collect_events() == []

    def test_a_withdrawn_activity_no_longer_collides(self) -> None:
        first = entry()
        ledger = ledger_with(first)
        ledger.withdraw(first.activity_id)
        assert ledger.file(entry(1, owner_id=BOB), Policy()) == []

    def test_update_files_without_deciding(self) -> None:
        ledger = ledger_with(entry())
        late = entry(1, owner_id=BOB, status="completed")
        ledger.update(late)
        assert ledger.entries[late.activity_id] == late
