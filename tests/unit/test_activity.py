"""Activity: commands on in-memory persistence, and random command sequences
checked against a simple model of the lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_args
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import ValidationError

from commands import activities as cmd
from commands.accounts import OpenAccount, open_account
from commands.activities_outreach import load_ledger
from commands.activity_fields import ActivityOutcome, Kind, normal_purpose
from commands.base import Forbidden, IdReused
from commands.contacts import RegisterContact, SetContactConsent, register_contact
from commands.contacts import set_contact_consent as set_consent
from commands.reps import RegisterRep, register_rep
from domain.activity import Activity
from domain.activity_rules import KINDS, OUTCOMES, is_purpose
from domain.base import RuleBroken, public_type
from tests.unit.helpers import event_names, events_of, memory_app, rep, run

AT = datetime(2030, 5, 6, 9, 30, tzinfo=UTC)
PARIS = timezone(timedelta(hours=2))
DNC = "contact_do_not_contact"


def a_rep(app: Any, rep_id: UUID | None = None) -> UUID:
    rep_id = rep_id or uuid4()
    command = RegisterRep(id=rep_id, name="Ann", email=f"{rep_id.hex[:8]}@sfa.io")
    run(app, register_rep, command)
    return rep_id


def a_contact(app: Any, **fields: Any) -> UUID:
    command = RegisterContact(given_name="Ada", family_name="Lovelace", **fields)
    return UUID(str(run(app, register_contact, command).aggregate.id))


def an_account(app: Any) -> UUID:
    return UUID(str(run(app, open_account, OpenAccount(name="Acme")).aggregate.id))


def plan(app: Any, caller: Any = None, **fields: Any) -> UUID:
    body: dict[str, Any] = {"kind": "call", "purpose": "demo", "scheduled_at": AT}
    command = cmd.PlanActivity(**(body | fields))
    outcome = run(app, cmd.plan_activity, command, *([caller] if caller else []))
    return UUID(str(outcome.aggregate.id))


def complete(app: Any, activity_id: UUID, **fields: Any) -> Any:
    body: dict[str, Any] = {"outcome": "connected", "duration_minutes": 12}
    command = cmd.CompleteActivity(activity_id=activity_id, **(body | fields))
    return run(app, cmd.complete_activity, command)


def activity_of(app: Any, activity_id: UUID) -> Activity:
    found: Activity = app.repository.get(activity_id)
    return found


class TestVocabulary:
    def test_command_literals_are_the_domain_vocabulary(self) -> None:
        assert get_args(Kind) == KINDS
        assert set(get_args(ActivityOutcome)) == set(OUTCOMES)

    @pytest.mark.parametrize(
        ("text", "normal"),
        [("Demo", "demo"), (" upsell : Leather Seats", "upsell:leather seats")],
    )
    def test_purposes_are_normalised(self, text: str, normal: str) -> None:
        assert normal_purpose(text) == normal

    @pytest.mark.parametrize("text", ["upsell", "upsell:", "resell:x", "chat"])
    def test_unknown_purposes_are_refused(self, text: str) -> None:
        assert not is_purpose(text)
        with pytest.raises(ValueError, match="not a purpose"):
            normal_purpose(text)


class TestPlanActivity:
    def test_records_who_and_why_and_the_owner_defaults_to_the_caller(
        self,
    ) -> None:
        app = memory_app()
        rep_id, contact_id = a_rep(app), a_contact(app)
        activity_id = plan(app, rep(rep_id), contact_id=contact_id)
        (event,) = events_of(app, activity_id)
        assert public_type(type(event)) == "sfa.activity.planned.v1"
        assert (event.actor, event.owner_id, event.scheduled_at) == ("ann", rep_id, AT)
        activity = activity_of(app, activity_id)
        assert (activity.status, activity.contact_id) == ("planned", contact_id)

    def test_same_id_same_body_records_nothing_other_body_is_refused(self) -> None:
        app, activity_id = memory_app(), uuid4()
        account_id = an_account(app)
        plan(app, id=activity_id, account_id=account_id)
        plan(app, id=activity_id, account_id=account_id)
        assert event_names(app, activity_id) == ["Planned"]
        with pytest.raises(IdReused):
            plan(app, id=activity_id, account_id=account_id, purpose="renewal")

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"kind": "task", "account_id": "known"}, "task_has_no_customer"),
            ({"kind": "visit"}, "customer_activity_needs_contact_or_account"),
            ({"purpose": "other", "account_id": "known"}, "other_purpose_needs_note"),
            ({"contact_id": uuid4()}, "unknown_contact"),
            ({"account_id": uuid4()}, "unknown_account"),
            ({"account_id": "known", "owner_id": uuid4()}, "owner_must_be_active_rep"),
        ],
    )
    def test_broken_rules_are_named_and_record_nothing(
        self, fields: dict[str, Any], rule: str
    ) -> None:
        app = memory_app()
        account_id = an_account(app)
        fields = {k: account_id if v == "known" else v for k, v in fields.items()}
        with pytest.raises(RuleBroken) as refused:
            plan(app, **fields)
        assert refused.value.rule == rule
        assert app.recorder.max_notification_id() == 1

    def test_a_do_not_contact_contact_is_not_approached(self) -> None:
        app = memory_app()
        contact_id = a_contact(app)
        consent = SetContactConsent(
            contact_id=contact_id, do_not_contact=True, reason="asked"
        )
        run(app, set_consent, consent)
        with pytest.raises(RuleBroken, match="not to be contacted"):
            plan(app, contact_id=contact_id)

    def test_a_contact_is_not_filed_under_another_account(self) -> None:
        app = memory_app()
        contact_id = a_contact(app, account_id=an_account(app))
        with pytest.raises(RuleBroken) as refused:
            plan(app, contact_id=contact_id, account_id=an_account(app))
        assert refused.value.rule == "contact_of_another_account"

    def test_time_needs_a_zone(self) -> None:
        with pytest.raises(ValidationError):
            naive = {"kind": "task", "purpose": "demo", "scheduled_at": "2030-01-01"}
            cmd.PlanActivity.model_validate(naive)
        with pytest.raises(RuleBroken) as refused:
            Activity.plan(uuid4(), datetime(2030, 1, 1), kind="task", purpose="demo")
        assert refused.value.rule == "time_needs_timezone"

    def test_rep_may_not_plan_for_another_rep(self) -> None:
        app = memory_app()
        other = a_rep(app)
        with pytest.raises(Forbidden):
            plan(app, rep(), kind="task", owner_id=other)


class TestLogActivity:
    def log(self, app: Any, **fields: Any) -> Any:
        body: dict[str, Any] = {
            "kind": "meeting",
            "purpose": "upsell:seats",
            "outcome": "meeting_held",
            "duration_minutes": 45,
        }
        return run(app, cmd.log_activity, cmd.LogActivity(**(body | fields)))

    def test_one_logged_event_creates_it_completed(self) -> None:
        app = memory_app()
        contact_id = a_contact(app)
        before = datetime.now(UTC)
        outcome = self.log(app, contact_id=contact_id)
        (event,) = events_of(app, outcome.aggregate.id)
        assert public_type(type(event)) == "sfa.activity.logged.v1"
        activity = activity_of(app, outcome.aggregate.id)
        assert (activity.status, activity.duration_minutes) == ("completed", 45)
        assert activity.completed_at is not None and activity.completed_at >= before
        assert activity.scheduled_at is None and outcome.created

    def test_a_follow_up_is_planned_in_the_same_save(self) -> None:
        app = memory_app()
        contact_id = a_contact(app)
        follow = {"scheduled_at": AT, "kind": "call", "purpose": "proposal"}
        outcome = self.log(app, contact_id=contact_id, follow_up=follow)
        logged = activity_of(app, outcome.aggregate.id)
        assert logged.follow_up_id is not None
        follow_up = activity_of(app, logged.follow_up_id)
        assert (follow_up.follows_id, follow_up.contact_id) == (logged.id, contact_id)
        assert (follow_up.kind, follow_up.purpose) == ("call", "proposal")
        # the contact, the log, its follow-up; the ledger opened, both filed
        assert outcome.position == app.recorder.max_notification_id() == 6

    def test_a_do_not_contact_contact_is_logged_only_with_a_reason(self) -> None:
        app = memory_app()
        contact_id = a_contact(app, do_not_contact=True)
        with pytest.raises(RuleBroken) as refused:
            self.log(app, contact_id=contact_id)
        assert refused.value.rule == "contact_do_not_contact"
        reason = "the customer called us"
        outcome = self.log(app, contact_id=contact_id, override_reason=reason)
        names = event_names(app, outcome.aggregate.id)
        assert names == ["Logged", "GuardOverridden"]
        overridden = events_of(app, outcome.aggregate.id)[-1]
        assert (overridden.reason, overridden.rules) == (reason, [DNC])

    def test_a_repeat_without_completed_at_records_nothing(self) -> None:
        app, activity_id = memory_app(), uuid4()
        account_id = an_account(app)
        self.log(app, id=activity_id, account_id=account_id)
        again = self.log(app, id=activity_id, account_id=account_id)
        assert not again.created and event_names(app, activity_id) == ["Logged"]
        with pytest.raises(IdReused):
            plan(app, id=activity_id, account_id=account_id, purpose="upsell:seats")


class TestCompleteActivity:
    def test_outcome_duration_and_notes_are_recorded(self) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task", purpose="other", purpose_note="CRM")
        done = datetime(2030, 5, 6, 11, tzinfo=PARIS)
        complete(app, activity_id, outcome="completed", notes="ok", completed_at=done)
        event = events_of(app, activity_id)[-1]
        assert public_type(type(event)) == "sfa.activity.completed.v1"
        assert (event.outcome, event.duration_minutes, event.notes) == (
            "completed",
            12,
            "ok",
        )
        assert activity_of(app, activity_id).completed_at == done

    def test_follow_up_links_both_ways_in_one_transaction(self) -> None:
        app = memory_app()
        contact_id = a_contact(app)
        activity_id = plan(app, contact_id=contact_id, purpose_note="new model")
        follow = {"scheduled_at": AT + timedelta(days=7), "kind": "meeting"}
        outcome = complete(app, activity_id, follow_up=follow)
        first = activity_of(app, activity_id)
        assert first.follow_up_id is not None
        follow_up = activity_of(app, first.follow_up_id)
        assert follow_up.follows_id == activity_id
        assert (follow_up.purpose, follow_up.purpose_note) == ("demo", "new model")
        assert (follow_up.kind, follow_up.contact_id) == ("meeting", contact_id)
        ledger = load_ledger(app, contact_id)  # a contact without an account
        assert ledger is not None
        assert set(outcome.versions) == {activity_id, follow_up.id, ledger.id}

    def test_a_task_follow_up_has_no_customer(self) -> None:
        app = memory_app()
        activity_id = plan(app, account_id=an_account(app))
        follow = {"scheduled_at": AT, "kind": "task", "purpose": "other"}
        follow["purpose_note"] = "send the quote"
        complete(app, activity_id, follow_up=follow)
        follow_up_id = activity_of(app, activity_id).follow_up_id
        assert follow_up_id is not None
        follow_up = activity_of(app, follow_up_id)
        assert (follow_up.account_id, follow_up.kind) == (None, "task")

    def test_a_refused_follow_up_records_nothing(self) -> None:
        app = memory_app()
        activity_id = plan(app, account_id=an_account(app))
        blocked = a_contact(app, do_not_contact=True)
        follow = {"scheduled_at": AT, "contact_id": blocked}
        with pytest.raises(RuleBroken, match="not to be contacted"):
            complete(app, activity_id, follow_up=follow)
        assert event_names(app, activity_id) == ["Planned"]

    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"outcome": "connected"}, "task_outcome"),
            ({"outcome": "other"}, "other_outcome_needs_note"),
        ],
    )
    def test_completion_rules(self, fields: dict[str, Any], rule: str) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task")
        with pytest.raises(RuleBroken) as refused:
            complete(app, activity_id, **fields)
        assert refused.value.rule == rule
        assert event_names(app, activity_id) == ["Planned"]

    @pytest.mark.parametrize(
        ("minutes", "rule"),
        [(None, "completed_activity_needs_duration"), (-1, "duration_out_of_range")],
    )
    def test_a_completed_activity_has_a_duration(
        self, minutes: int | None, rule: str
    ) -> None:
        activity = Activity.plan(uuid4(), AT, kind="task", purpose="demo")
        with pytest.raises(RuleBroken) as refused:
            activity.complete(
                outcome="completed", duration_minutes=minutes, completed_at=AT
            )
        assert refused.value.rule == rule
        with pytest.raises(ValidationError):
            cmd.CompleteActivity(
                activity_id=uuid4(), outcome="completed", duration_minutes=24 * 60 + 1
            )

    def test_only_a_planned_activity_completes(self) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task")
        complete(app, activity_id, outcome="completed")
        with pytest.raises(RuleBroken) as refused:
            complete(app, activity_id, outcome="completed")
        assert refused.value.rule == "activity_not_planned"
        assert event_names(app, activity_id) == ["Planned", "Completed"]

    def test_rep_may_not_complete_another_reps_activity(self) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task", owner_id=a_rep(app))
        command = cmd.CompleteActivity(
            activity_id=activity_id, outcome="completed", duration_minutes=1
        )
        with pytest.raises(Forbidden):
            run(app, cmd.complete_activity, command, rep())


class TestCancelAndReschedule:
    def test_reschedule_carries_old_and_new_and_same_time_records_nothing(
        self,
    ) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task")
        later = AT.astimezone(PARIS) + timedelta(hours=1)
        for when in (later, later.astimezone(UTC)):
            command = cmd.RescheduleActivity(activity_id=activity_id, scheduled_at=when)
            run(app, cmd.reschedule_activity, command)
        event = events_of(app, activity_id)[-1]
        assert (event.old, event.new) == (AT, later)
        assert event_names(app, activity_id) == ["Planned", "Rescheduled"]

    def test_cancel_needs_a_reason_and_ends_the_plan(self) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task")
        with pytest.raises(RuleBroken, match="needs a reason"):
            run(
                app,
                cmd.cancel_activity,
                cmd.CancelActivity(activity_id=activity_id, reason=" "),
            )
        command = cmd.CancelActivity(activity_id=activity_id, reason="ill")
        run(app, cmd.cancel_activity, command)
        move = cmd.RescheduleActivity(activity_id=activity_id, scheduled_at=AT)
        with pytest.raises(RuleBroken, match="this one is cancelled"):
            run(app, cmd.reschedule_activity, move)
        assert event_names(app, activity_id) == ["Planned", "Cancelled"]


class TestChangeActivityDetails:
    def test_changes_carry_old_and_new_only_for_what_changed(self) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task", department="sales")
        command = cmd.ChangeActivityDetails(
            activity_id=activity_id,
            purpose="Cross_Sell:Insurance",
            department="sales",
            notes="bring brochure",
        )
        run(app, cmd.change_activity_details, command)
        event = events_of(app, activity_id)[-1]
        assert public_type(type(event)) == "sfa.activity.details_changed.v1"
        assert (event.old, event.new) == (
            {"purpose": "demo", "notes": None},
            {"purpose": "cross_sell:insurance", "notes": "bring brochure"},
        )

    def test_nothing_changed_records_nothing_and_done_is_done(self) -> None:
        app = memory_app()
        activity_id = plan(app, kind="task")
        same = cmd.ChangeActivityDetails(activity_id=activity_id, purpose=None)
        run(app, cmd.change_activity_details, same)
        complete(app, activity_id, outcome="completed")
        late = cmd.ChangeActivityDetails(activity_id=activity_id, notes="late")
        with pytest.raises(RuleBroken, match="this one is completed"):
            run(app, cmd.change_activity_details, late)
        assert event_names(app, activity_id) == ["Planned", "Completed"]


times = st.sampled_from(
    [AT, AT + timedelta(hours=2), AT.astimezone(PARIS), datetime(2031, 1, 1)]
)
outcomes = st.sampled_from(["completed", "connected", "other"])
purposes = st.sampled_from(["demo", "other", "upsell:seats"])
maybe_text = st.none() | st.sampled_from(["", "ok", "brochure"])


class ActivityMachine(RuleBasedStateMachine):
    """Random sequences of commands on one task against a dict model: a
    refused command records nothing; every accepted one replays to the model.
    """

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        self.activity_id = plan(self.app, kind="task", purpose="demo")
        self.model: dict[str, Any] = {
            "status": "planned",
            "scheduled_at": AT,
            "purpose": "demo",
            "purpose_note": None,
            "notes": None,
            "outcome": None,
            "duration_minutes": None,
            "cancel_reason": None,
        }

    def attempt(self, handler: Any, command: Any, allowed: bool) -> bool:
        before = len(events_of(self.app, self.activity_id))
        if allowed:
            run(self.app, handler, command)
            return True
        with pytest.raises(RuleBroken):
            run(self.app, handler, command)
        assert len(events_of(self.app, self.activity_id)) == before
        return False

    @property
    def planned(self) -> bool:
        return bool(self.model["status"] == "planned")

    @rule(when=times)
    def reschedule(self, when: datetime) -> None:
        if when.tzinfo is None:
            with pytest.raises(ValidationError):
                cmd.RescheduleActivity(activity_id=self.activity_id, scheduled_at=when)
            return
        command = cmd.RescheduleActivity(
            activity_id=self.activity_id, scheduled_at=when
        )
        if self.attempt(cmd.reschedule_activity, command, self.planned):
            self.model["scheduled_at"] = when

    @rule(outcome=outcomes, note=maybe_text, minutes=st.integers(0, 24 * 60))
    def complete(self, outcome: str, note: str | None, minutes: int) -> None:
        command = cmd.CompleteActivity.model_validate(
            {
                "activity_id": self.activity_id,
                "outcome": outcome,
                "outcome_note": note,
                "duration_minutes": minutes,
            }
        )
        fine = outcome == "completed" or (outcome == "other" and bool(note))
        if self.attempt(cmd.complete_activity, command, self.planned and fine):
            self.model |= {"status": "completed", "outcome": outcome}
            self.model["duration_minutes"] = minutes

    @rule(reason=st.sampled_from(["", "ill", "moved"]))
    def cancel(self, reason: str) -> None:
        command = cmd.CancelActivity(activity_id=self.activity_id, reason=reason)
        allowed = self.planned and bool(reason)
        if self.attempt(cmd.cancel_activity, command, allowed):
            self.model |= {"status": "cancelled", "cancel_reason": reason}

    @rule(purpose=purposes, note=maybe_text, notes=maybe_text)
    def change_details(self, purpose: str, note: str | None, notes: str | None) -> None:
        command = cmd.ChangeActivityDetails(
            activity_id=self.activity_id,
            purpose=purpose,
            purpose_note=note,
            notes=notes,
        )
        allowed = self.planned and (purpose != "other" or bool(note))
        if self.attempt(cmd.change_activity_details, command, allowed):
            self.model |= {"purpose": purpose, "purpose_note": note, "notes": notes}

    @invariant()
    def stored_history_rebuilds_the_model(self) -> None:
        activity = activity_of(self.app, self.activity_id)  # replays every event
        for name, value in self.model.items():
            assert getattr(activity, name) == value, name
        events = events_of(self.app, self.activity_id)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        assert event_names(self.app, self.activity_id)[0] == "Planned"


TestActivityMachine = ActivityMachine.TestCase
TestActivityMachine.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None
)
