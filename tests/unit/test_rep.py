"""Rep and Team: commands on in-memory persistence, and random membership and
management sequences checked against a simple model."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from commands import reps as cmd
from commands.application import SalesApplication
from commands.base import Caller, Forbidden, IdReused
from domain.base import RuleBroken, public_type
from domain.rep import Rep, Team
from tests.unit.helpers import event_names, events_of, memory_app, rep, run

MANAGER = Caller("meg", frozenset({"manager"}), uuid4())
SERVICE = Caller("hr", frozenset({"service"}))


def hire(app: SalesApplication, **fields: Any) -> UUID:
    command = cmd.RegisterRep(name="Ann", email="ann@example.com", **fields)
    return UUID(str(run(app, cmd.register_rep, command).aggregate.id))


def form(app: SalesApplication, **fields: Any) -> UUID:
    command = cmd.FormTeam(name="North", **fields)
    return UUID(str(run(app, cmd.form_team, command).aggregate.id))


def join(app: SalesApplication, team_id: UUID, rep_id: UUID) -> None:
    run(app, cmd.add_team_member, cmd.AddTeamMember(team_id=team_id, rep_id=rep_id))


def leave(app: SalesApplication, team_id: UUID, rep_id: UUID) -> None:
    command = cmd.RemoveTeamMember(team_id=team_id, rep_id=rep_id)
    run(app, cmd.remove_team_member, command)


def deactivate(app: SalesApplication, rep_id: UUID) -> None:
    run(app, cmd.deactivate_rep, cmd.DeactivateRep(rep_id=rep_id))


def head(app: SalesApplication) -> int:
    return app.recorder.max_notification_id() or 0


class TestRegisterRep:
    def test_records_a_normalised_email(self) -> None:
        app = memory_app()
        command = cmd.RegisterRep(name="Ann", email="Ann@Example.COM", territory="n")
        outcome = run(app, cmd.register_rep, command)
        (event,) = events_of(app, outcome.aggregate.id)
        assert public_type(type(event)) == "sfa.rep.registered.v1"
        assert (event.actor, event.email) == ("root", "ann@example.com")
        rep_ = outcome.aggregate
        assert (rep_.active, rep_.team_id, rep_.managed_team_ids) == (True, None, ())

    def test_same_id_same_body_records_nothing(self) -> None:
        app, rep_id = memory_app(), uuid4()
        hire(app, id=rep_id)
        assert hire(app, id=rep_id) == rep_id
        assert event_names(app, rep_id) == ["Registered"]
        with pytest.raises(IdReused):
            hire(app, id=rep_id, territory="south")

    def test_manager_must_be_an_active_rep(self) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken) as refused:
            hire(app, manager_id=uuid4())
        assert refused.value.rule == "manager_must_be_active_rep"
        boss = hire(app)
        assert app.repository.get(hire(app, manager_id=boss)).manager_id == boss

    @pytest.mark.parametrize("caller", [rep(), MANAGER, SERVICE])
    def test_only_admins_write_reps_and_teams(self, caller: Caller) -> None:
        app = memory_app()
        rep_id, team_id = hire(app), form(app)
        commands: list[tuple[Any, Any]] = [
            (cmd.register_rep, cmd.RegisterRep(name="B", email="b@x.io")),
            (cmd.change_rep_details, cmd.ChangeRepDetails(rep_id=rep_id, name="B")),
            (cmd.deactivate_rep, cmd.DeactivateRep(rep_id=rep_id)),
            (cmd.reactivate_rep, cmd.ReactivateRep(rep_id=rep_id)),
            (cmd.form_team, cmd.FormTeam(name="South")),
            (cmd.change_team_details, cmd.ChangeTeamDetails(team_id=team_id, name="S")),
            (cmd.add_team_member, cmd.AddTeamMember(team_id=team_id, rep_id=rep_id)),
            (
                cmd.remove_team_member,
                cmd.RemoveTeamMember(team_id=team_id, rep_id=rep_id),
            ),
        ]
        before = head(app)
        for handler, command in commands:
            with pytest.raises(Forbidden):
                run(app, handler, command, caller)
        assert head(app) == before


class TestChangeRepDetails:
    def test_each_field_change_carries_old_and_new(self) -> None:
        app = memory_app()
        boss, rep_id = hire(app), hire(app, territory="north")
        change = cmd.ChangeRepDetails(
            rep_id=rep_id, email="ANN@new.io", manager_id=boss, territory=None
        )
        run(app, cmd.change_rep_details, change)
        events = events_of(app, rep_id)
        assert event_names(app, rep_id) == [
            "Registered",
            "EmailChanged",
            "ManagerChanged",
            "TerritoryChanged",
        ]
        assert (events[1].old, events[1].new) == ("ann@example.com", "ann@new.io")
        assert (events[2].old, events[2].new) == (None, boss)

    def test_nothing_changed_records_nothing(self) -> None:
        app = memory_app()
        rep_id = hire(app)
        change = cmd.ChangeRepDetails(
            rep_id=rep_id, name="Ann", email="ANN@example.com"
        )
        run(app, cmd.change_rep_details, change)
        assert event_names(app, rep_id) == ["Registered"]

    def test_a_rep_does_not_manage_themselves(self) -> None:
        app = memory_app()
        rep_id = hire(app)
        change = cmd.ChangeRepDetails(rep_id=rep_id, manager_id=rep_id)
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.change_rep_details, change)
        assert refused.value.rule == "rep_cannot_manage_self"

    def test_an_inactive_manager_is_refused(self) -> None:
        app = memory_app()
        boss, rep_id = hire(app), hire(app)
        deactivate(app, boss)
        change = cmd.ChangeRepDetails(rep_id=rep_id, manager_id=boss)
        with pytest.raises(RuleBroken, match="active rep"):
            run(app, cmd.change_rep_details, change)
        assert event_names(app, rep_id) == ["Registered"]


class TestDeactivateRep:
    def test_deactivate_and_reactivate_once_each(self) -> None:
        app = memory_app()
        rep_id = hire(app)
        for _ in range(2):
            command = cmd.DeactivateRep(rep_id=rep_id, reason="left")
            run(app, cmd.deactivate_rep, command)
        assert events_of(app, rep_id)[-1].reason == "left"
        for _ in range(2):
            run(app, cmd.reactivate_rep, cmd.ReactivateRep(rep_id=rep_id))
        assert event_names(app, rep_id) == ["Registered", "Deactivated", "Reactivated"]
        assert app.repository.get(rep_id).active


class TestEnsureActiveRep:
    def test_nobody_is_accepted(self) -> None:
        assert cmd.ensure_active_rep(memory_app(), None) is None

    def test_an_active_rep_is_returned(self) -> None:
        app = memory_app()
        rep_id = hire(app)
        found = cmd.ensure_active_rep(app, rep_id)
        assert isinstance(found, Rep) and found.id == rep_id

    def test_missing_inactive_or_not_a_rep_is_refused(self) -> None:
        app = memory_app()
        inactive, team_id = hire(app), form(app)
        deactivate(app, inactive)
        for rep_id in (uuid4(), inactive, team_id):
            with pytest.raises(RuleBroken) as refused:
                cmd.ensure_active_rep(app, rep_id, "owner")
            assert refused.value.rule == "owner_must_be_active_rep"


class TestFormTeam:
    def test_the_manager_learns_of_the_team_in_the_same_transaction(self) -> None:
        app = memory_app()
        boss = hire(app)
        outcome = run(app, cmd.form_team, cmd.FormTeam(name="North", manager_id=boss))
        team_id = outcome.aggregate.id
        assert public_type(type(events_of(app, team_id)[0])) == "sfa.team.formed.v1"
        assert outcome.versions == {team_id: 1, boss: 2}
        assert events_of(app, boss)[-1].team_id == team_id
        assert app.repository.get(boss).managed_team_ids == (team_id,)

    def test_the_manager_must_be_an_active_rep(self) -> None:
        app = memory_app()
        with pytest.raises(RuleBroken, match="manager must be an active rep"):
            form(app, manager_id=uuid4())
        assert head(app) == 0


class TestChangeTeamDetails:
    def test_handing_over_updates_both_managers(self) -> None:
        app = memory_app()
        old, new = hire(app), hire(app)
        team_id = form(app, manager_id=old)
        change = cmd.ChangeTeamDetails(team_id=team_id, name="N", manager_id=new)
        outcome = run(app, cmd.change_team_details, change)
        assert event_names(app, team_id) == ["Formed", "Renamed", "ManagerChanged"]
        assert set(outcome.versions) == {team_id, old, new}
        assert app.repository.get(old).managed_team_ids == ()
        assert app.repository.get(new).managed_team_ids == (team_id,)

    def test_a_team_may_be_left_without_a_manager(self) -> None:
        app = memory_app()
        boss = hire(app)
        team_id = form(app, manager_id=boss)
        change = cmd.ChangeTeamDetails(team_id=team_id, manager_id=None)
        run(app, cmd.change_team_details, change)
        assert app.repository.get(team_id).manager_id is None
        assert event_names(app, boss)[-1] == "StoppedManagingTeam"


class TestAddTeamMember:
    def test_rep_and_team_change_together(self) -> None:
        app = memory_app()
        rep_id, team_id = hire(app), form(app)
        join(app, team_id, rep_id)
        assert app.repository.get(team_id).member_ids == (rep_id,)
        assert app.repository.get(rep_id).team_id == team_id
        assert events_of(app, team_id)[-1].rep_id == rep_id

    def test_joining_another_team_leaves_the_first(self) -> None:
        app = memory_app()
        rep_id, first, second = hire(app), form(app), form(app)
        join(app, first, rep_id)
        join(app, second, rep_id)
        assert app.repository.get(first).member_ids == ()
        assert app.repository.get(second).member_ids == (rep_id,)
        assert app.repository.get(rep_id).team_id == second

    def test_joining_again_records_nothing(self) -> None:
        app = memory_app()
        rep_id, team_id = hire(app), form(app)
        join(app, team_id, rep_id)
        before = head(app)
        join(app, team_id, rep_id)
        assert head(app) == before

    def test_only_active_reps_join(self) -> None:
        app = memory_app()
        rep_id, team_id = hire(app), form(app)
        deactivate(app, rep_id)
        with pytest.raises(RuleBroken) as refused:
            join(app, team_id, rep_id)
        assert refused.value.rule == "member_must_be_active_rep"


class TestRemoveTeamMember:
    def test_rep_and_team_change_together(self) -> None:
        app = memory_app()
        rep_id, team_id = hire(app), form(app)
        join(app, team_id, rep_id)
        leave(app, team_id, rep_id)
        assert app.repository.get(team_id).member_ids == ()
        assert app.repository.get(rep_id).team_id is None
        assert event_names(app, rep_id)[-2:] == ["TeamChanged", "TeamChanged"]

    def test_removing_a_non_member_records_nothing(self) -> None:
        app = memory_app()
        team_id = form(app)
        leave(app, team_id, uuid4())
        assert event_names(app, team_id) == ["Formed"]


class TestTeamRepIds:
    def test_the_members_of_every_team_a_manager_manages(self) -> None:
        app = memory_app()
        boss, ann, bob, cid = hire(app), hire(app), hire(app), hire(app)
        north, south, other = (form(app, manager_id=m) for m in (boss, boss, cid))
        join(app, north, ann)
        join(app, south, bob)
        join(app, other, boss)
        assert cmd.team_rep_ids(app, boss) == {ann, bob}
        assert cmd.team_rep_ids(app, cid) == {boss}
        assert cmd.team_rep_ids(app, ann) == frozenset()
        assert cmd.team_rep_ids(app, uuid4()) == frozenset()


class TeamMachine(RuleBasedStateMachine):
    """Random membership, management and activation commands over three
    teams and four reps: ``rep.team_id`` and ``team.member_ids`` (and
    ``team.manager_id`` and ``rep.managed_team_ids``) always agree."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        self.reps = [hire(self.app) for _ in range(4)]
        self.teams = [form(self.app) for _ in range(3)]
        self.active = dict.fromkeys(self.reps, True)
        self.team_of: dict[UUID, UUID | None] = dict.fromkeys(self.reps)
        self.manager_of: dict[UUID, UUID | None] = dict.fromkeys(self.teams)

    def refused(self, handler: Any, command: Any, rule_name: str) -> None:
        before = head(self.app)
        with pytest.raises(RuleBroken) as refused:
            run(self.app, handler, command)
        assert refused.value.rule == rule_name
        assert head(self.app) == before

    @rule(t=st.integers(0, 2), r=st.integers(0, 3))
    def add_member(self, t: int, r: int) -> None:
        team_id, rep_id = self.teams[t], self.reps[r]
        command = cmd.AddTeamMember(team_id=team_id, rep_id=rep_id)
        if self.team_of[rep_id] != team_id and not self.active[rep_id]:
            self.refused(cmd.add_team_member, command, "member_must_be_active_rep")
            return
        run(self.app, cmd.add_team_member, command)
        self.team_of[rep_id] = team_id

    @rule(t=st.integers(0, 2), r=st.integers(0, 3))
    def remove_member(self, t: int, r: int) -> None:
        team_id, rep_id = self.teams[t], self.reps[r]
        leave(self.app, team_id, rep_id)
        if self.team_of[rep_id] == team_id:
            self.team_of[rep_id] = None

    @rule(t=st.integers(0, 2), r=st.none() | st.integers(0, 3))
    def hand_over(self, t: int, r: int | None) -> None:
        team_id = self.teams[t]
        manager = None if r is None else self.reps[r]
        command = cmd.ChangeTeamDetails(team_id=team_id, manager_id=manager)
        changes = manager != self.manager_of[team_id]
        if changes and manager is not None and not self.active[manager]:
            self.refused(cmd.change_team_details, command, "manager_must_be_active_rep")
            return
        run(self.app, cmd.change_team_details, command)
        self.manager_of[team_id] = manager

    @rule(r=st.integers(0, 3), active=st.booleans())
    def switch_rep(self, r: int, active: bool) -> None:
        rep_id = self.reps[r]
        if active:
            run(self.app, cmd.reactivate_rep, cmd.ReactivateRep(rep_id=rep_id))
        else:
            deactivate(self.app, rep_id)
        self.active[rep_id] = active

    @invariant()
    def both_sides_agree_with_the_model(self) -> None:
        reps: dict[UUID, Rep] = {r: self.app.repository.get(r) for r in self.reps}
        teams: dict[UUID, Team] = {t: self.app.repository.get(t) for t in self.teams}
        for rep_id, rep_ in reps.items():
            assert rep_.team_id == self.team_of[rep_id]
            assert rep_.active == self.active[rep_id]
            assert set(rep_.managed_team_ids) == {
                t for t, m in self.manager_of.items() if m == rep_id
            }
        for team_id, team in teams.items():
            assert set(team.member_ids) == {
                r for r, t in self.team_of.items() if t == team_id
            }
            assert len(team.member_ids) == len(set(team.member_ids))
            assert team.manager_id == self.manager_of[team_id]

    @invariant()
    def managers_act_for_their_teams_members(self) -> None:
        for rep_id in self.reps:
            managed = {t for t, m in self.manager_of.items() if m == rep_id}
            expected = {r for r, t in self.team_of.items() if t in managed}
            assert cmd.team_rep_ids(self.app, rep_id) == expected


TestTeamMachine = TeamMachine.TestCase
TestTeamMachine.settings = settings(
    max_examples=40, stateful_step_count=20, deadline=None
)
