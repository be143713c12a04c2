"""Account: commands on in-memory persistence, web-domain normalisation, and
random status and owner sequences checked against a simple model."""

from __future__ import annotations

from typing import Any, get_args
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import ValidationError

from commands import accounts as cmd
from commands import reps
from commands.application import SalesApplication
from commands.base import Caller, Forbidden, IdReused, StaleVersion
from commands.normalise import normal_web_domain
from domain.account import Account
from domain.base import RuleBroken, public_type
from tests.unit.helpers import event_names, events_of, memory_app, rep, run


def hire(app: SalesApplication, *, active: bool = True) -> UUID:
    command = reps.RegisterRep(name="Ann", email="ann@example.com")
    rep_id = UUID(str(run(app, reps.register_rep, command).aggregate.id))
    if not active:
        run(app, reps.deactivate_rep, reps.DeactivateRep(rep_id=rep_id))
    return rep_id


def open_account(app: SalesApplication, **fields: Any) -> UUID:
    command = cmd.OpenAccount(name="Acme", **fields)
    return UUID(str(run(app, cmd.open_account, command).aggregate.id))


def head(app: SalesApplication) -> int:
    return app.recorder.max_notification_id() or 0


class TestOpenAccount:
    def test_records_who_and_a_normalised_domain(self) -> None:
        app = memory_app()
        command = cmd.OpenAccount(name="Acme", web_domain="https://www.Acme.com/x")
        outcome = run(app, cmd.open_account, command)
        (event,) = events_of(app, outcome.aggregate.id)
        assert public_type(type(event)) == "sfa.account.opened.v1"
        assert (event.actor, event.web_domain, event.status) == (
            "root",
            "acme.com",
            "prospect",
        )
        assert outcome.created and outcome.position == 1

    def test_same_id_same_body_records_nothing(self) -> None:
        app, account_id = memory_app(), uuid4()
        open_account(app, id=account_id, web_domain="acme.com")
        again = cmd.OpenAccount(id=account_id, name="Acme", web_domain="ACME.com")
        assert not run(app, cmd.open_account, again).created
        assert event_names(app, account_id) == ["Opened"]

    def test_same_id_other_body_is_refused(self) -> None:
        app, account_id = memory_app(), uuid4()
        open_account(app, id=account_id)
        with pytest.raises(IdReused):
            open_account(app, id=account_id, industry="retail")

    def test_owner_must_be_an_active_rep(self) -> None:
        app = memory_app()
        for owner in (uuid4(), hire(app, active=False)):
            before = head(app)
            with pytest.raises(RuleBroken) as refused:
                open_account(app, owner_id=owner)
            assert refused.value.rule == "owner_must_be_active_rep"
            assert head(app) == before
        owner = hire(app)
        account: Account = app.repository.get(open_account(app, owner_id=owner))
        assert account.owner_id == owner

    def test_a_rep_opens_for_themselves_but_not_for_another(self) -> None:
        app = memory_app()
        ann, bob = hire(app), hire(app)
        command = cmd.OpenAccount(name="Acme", owner_id=ann)
        assert run(app, cmd.open_account, command, rep(ann)).created
        with pytest.raises(Forbidden):
            run(
                app,
                cmd.open_account,
                command.model_copy(update={"owner_id": bob}),
                rep(ann),
            )

    def test_may_open_as_an_existing_customer(self) -> None:
        app = memory_app()
        account_id = open_account(app, status="former_customer")
        assert app.repository.get(account_id).status == "former_customer"


class TestChangeAccountDetails:
    def test_each_field_change_carries_old_and_new(self) -> None:
        app = memory_app()
        account_id = open_account(app, web_domain="acme.com")
        change = cmd.ChangeAccountDetails(
            account_id=account_id, name="Acme Ltd", web_domain="acme.io", industry="x"
        )
        run(app, cmd.change_account_details, change)
        events = events_of(app, account_id)
        assert event_names(app, account_id) == [
            "Opened",
            "Renamed",
            "WebDomainChanged",
            "IndustryChanged",
        ]
        assert (events[1].old, events[1].new) == ("Acme", "Acme Ltd")
        assert (events[2].old, events[2].new) == ("acme.com", "acme.io")

    def test_nothing_changed_records_nothing(self) -> None:
        app = memory_app()
        account_id = open_account(app, web_domain="acme.com")
        change = cmd.ChangeAccountDetails(
            account_id=account_id, name="Acme", web_domain="www.acme.com"
        )
        run(app, cmd.change_account_details, change)
        assert event_names(app, account_id) == ["Opened"]

    def test_null_clears_an_optional_field(self) -> None:
        app = memory_app()
        account_id = open_account(app, industry="retail")
        change = cmd.ChangeAccountDetails(account_id=account_id, industry=None)
        run(app, cmd.change_account_details, change)
        assert app.repository.get(account_id).industry is None

    def test_stale_version_is_refused(self) -> None:
        app = memory_app()
        account_id = open_account(app)
        change = cmd.ChangeAccountDetails(account_id=account_id, industry="x")
        with pytest.raises(StaleVersion):
            run(app, cmd.change_account_details, change, expected_version=3)

    def test_rep_cannot_change_another_reps_account(self) -> None:
        app = memory_app()
        account_id = open_account(app, owner_id=hire(app))
        change = cmd.ChangeAccountDetails(account_id=account_id, industry="x")
        with pytest.raises(Forbidden):
            run(app, cmd.change_account_details, change, rep())


class TestAssignAccountOwner:
    def test_records_old_and_new_owner(self) -> None:
        app = memory_app()
        ann, bob = hire(app), hire(app)
        account_id = open_account(app, owner_id=ann)
        command = cmd.AssignAccountOwner(account_id=account_id, owner_id=bob)
        run(app, cmd.assign_account_owner, command, rep(ann))
        event = events_of(app, account_id)[-1]
        assert (type(event).__name__, event.old, event.new) == (
            "OwnerChanged",
            ann,
            bob,
        )

    def test_an_inactive_rep_cannot_become_owner(self) -> None:
        app = memory_app()
        account_id = open_account(app)
        command = cmd.AssignAccountOwner(
            account_id=account_id, owner_id=hire(app, active=False)
        )
        with pytest.raises(RuleBroken, match="active rep"):
            run(app, cmd.assign_account_owner, command)
        assert event_names(app, account_id) == ["Opened"]

    def test_nobody_may_own_it(self) -> None:
        app = memory_app()
        account_id = open_account(app, owner_id=hire(app))
        command = cmd.AssignAccountOwner(account_id=account_id, owner_id=None)
        run(app, cmd.assign_account_owner, command)
        assert app.repository.get(account_id).owner_id is None


class TestManagersActForTheirTeam:
    def test_a_manager_changes_their_team_members_accounts_only(self) -> None:
        app = memory_app()
        boss, ann, bob = hire(app), hire(app), hire(app)
        team = run(app, reps.form_team, reps.FormTeam(name="N", manager_id=boss))
        join = reps.AddTeamMember(team_id=team.aggregate.id, rep_id=ann)
        run(app, reps.add_team_member, join)
        manager = Caller(
            "meg", frozenset({"manager"}), boss, reps.team_rep_ids(app, boss)
        )
        ours, theirs = open_account(app, owner_id=ann), open_account(app, owner_id=bob)
        change = cmd.ChangeAccountDetails(account_id=ours, industry="x")
        run(app, cmd.change_account_details, change, manager)
        with pytest.raises(Forbidden):
            change = cmd.ChangeAccountDetails(account_id=theirs, industry="x")
            run(app, cmd.change_account_details, change, manager)


class TestMoveAccountTerritory:
    def test_records_old_and_new_territory(self) -> None:
        app = memory_app()
        account_id = open_account(app, territory="north")
        command = cmd.MoveAccountTerritory(account_id=account_id, territory=" south ")
        run(app, cmd.move_account_territory, command)
        event = events_of(app, account_id)[-1]
        assert (event.old, event.new) == ("north", "south")


class TestChangeAccountStatus:
    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            (["active_customer"], None),
            (["active_customer", "former_customer"], "churned"),
            (["active_customer", "former_customer", "active_customer"], "won back"),
        ],
    )
    def test_allowed_transitions(
        self, path: list[cmd.Status], reason: str | None
    ) -> None:
        app = memory_app()
        account_id = open_account(app)
        for status in path:
            command = cmd.ChangeAccountStatus(
                account_id=account_id, status=status, reason=reason
            )
            run(app, cmd.change_account_status, command)
        event = events_of(app, account_id)[-1]
        assert (event.new, event.reason) == (path[-1], reason)
        assert len(events_of(app, account_id)) == 1 + len(path)

    @pytest.mark.parametrize(
        ("start", "to"),
        [
            ("prospect", "former_customer"),
            ("active_customer", "prospect"),
            ("former_customer", "prospect"),
        ],
    )
    def test_refused_transitions_record_nothing(
        self, start: cmd.Status, to: cmd.Status
    ) -> None:
        app = memory_app()
        account_id = open_account(app, status=start)
        command = cmd.ChangeAccountStatus(account_id=account_id, status=to)
        with pytest.raises(RuleBroken) as refused:
            run(app, cmd.change_account_status, command)
        assert refused.value.rule == "account_status_transition"
        assert event_names(app, account_id) == ["Opened"]

    def test_unknown_status_is_invalid(self) -> None:
        with pytest.raises(ValidationError):
            cmd.ChangeAccountStatus.model_validate(
                {"account_id": uuid4(), "status": "churned"}
            )


class TestWebDomain:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("acme.com", "acme.com"),
            ("https://www.Acme.com/about?x=1", "acme.com"),
            ("http://user@Shop.Acme.co.uk:8080/", "shop.acme.co.uk"),
            ("ACME.COM.", "acme.com"),
            ("www.com", "www.com"),
            ("münchen.de", "xn--mnchen-3ya.de"),
        ],
    )
    def test_normalised_to_the_bare_host(self, given: str, stored: str) -> None:
        assert normal_web_domain(given) == stored

    @pytest.mark.parametrize(
        "given",
        [
            *("", "localhost", "1.2.3.4", "exa mple.com", "-acme.com", "a..com"),
            *("http://", "http://[::1]/", "x" * 64 + ".com", "acme.c0m"),
        ],
    )
    def test_what_is_not_a_domain_is_refused(self, given: str) -> None:
        with pytest.raises(ValueError, match="web domain"):
            normal_web_domain(given)


# The model's own table, written out rather than imported from the domain.
ALLOWED = {
    ("prospect", "active_customer"),
    ("active_customer", "former_customer"),
    ("former_customer", "active_customer"),
}
statuses: st.SearchStrategy[cmd.Status] = st.sampled_from(get_args(cmd.Status))


class AccountMachine(RuleBasedStateMachine):
    """Random status, owner and territory commands, with reps coming and
    going, against a dict model: refused commands record nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        self.reps = [hire(self.app) for _ in range(3)]
        self.active = dict.fromkeys(self.reps, True)
        self.account_id = open_account(self.app)
        self.model: dict[str, Any] = {
            "status": "prospect",
            "owner_id": None,
            "territory": None,
        }

    def refused(self, handler: Any, command: Any, rule_name: str) -> None:
        before = head(self.app)
        with pytest.raises(RuleBroken) as refused:
            run(self.app, handler, command)
        assert refused.value.rule == rule_name
        assert head(self.app) == before

    @rule(status=statuses)
    def change_status(self, status: cmd.Status) -> None:
        command = cmd.ChangeAccountStatus(account_id=self.account_id, status=status)
        current = self.model["status"]
        if status != current and (current, status) not in ALLOWED:
            self.refused(
                cmd.change_account_status, command, "account_status_transition"
            )
            return
        run(self.app, cmd.change_account_status, command)
        self.model["status"] = status

    @rule(index=st.none() | st.integers(0, 2))
    def assign_owner(self, index: int | None) -> None:
        owner = None if index is None else self.reps[index]
        command = cmd.AssignAccountOwner(account_id=self.account_id, owner_id=owner)
        if (
            owner is not None
            and owner != self.model["owner_id"]
            and not self.active[owner]
        ):
            self.refused(cmd.assign_account_owner, command, "owner_must_be_active_rep")
            return
        run(self.app, cmd.assign_account_owner, command)
        self.model["owner_id"] = owner

    @rule(index=st.integers(0, 2), active=st.booleans())
    def switch_rep(self, index: int, active: bool) -> None:
        rep_id = self.reps[index]
        if active:
            run(self.app, reps.reactivate_rep, reps.ReactivateRep(rep_id=rep_id))
        else:
            run(self.app, reps.deactivate_rep, reps.DeactivateRep(rep_id=rep_id))
        self.active[rep_id] = active

    @rule(territory=st.none() | st.sampled_from(["north", "south"]))
    def move_territory(self, territory: str | None) -> None:
        command = cmd.MoveAccountTerritory(
            account_id=self.account_id, territory=territory
        )
        run(self.app, cmd.move_account_territory, command)
        self.model["territory"] = territory

    @invariant()
    def stored_history_rebuilds_the_model(self) -> None:
        account: Account = self.app.repository.get(self.account_id)  # replays all
        for name, value in self.model.items():
            assert getattr(account, name) == value, name
        events = events_of(self.app, self.account_id)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        changes = [e for e in events if type(e).__name__ == "StatusChanged"]
        assert all((e.old, e.new) in ALLOWED for e in changes)


TestAccountMachine = AccountMachine.TestCase
TestAccountMachine.settings = settings(
    max_examples=40, stateful_step_count=15, deadline=None
)
