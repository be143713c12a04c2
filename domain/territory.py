"""Territory: a named part of the market, its rules, accounts and reps.

What must hold:
- A territory has a name and at most one parent; it is never its own
  parent. (No cycles across territories, and unique names: ``TerritoryMap``,
  which every change of name or parent passes through.)
- Assignment rules are checked by ``domain.territory_rules.check_rules``;
  setting the same rules again records nothing.
- An account is manually assigned at most once to a territory (the command
  takes it out of any other territory in the same save).
- Reps are assigned with a role, ``owner`` or ``overlay``; a territory has
  at most one owner (remove the owner before naming another).
- Each kind of change is its own event; a change that changes nothing
  records nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.territory_rules import check_rules

OWNER, OVERLAY = "owner", "overlay"
REP_ROLES = (OWNER, OVERLAY)


class Territory(SalesAggregate):
    @classmethod
    def create(
        cls,
        id: UUID,
        name: str,
        parent_id: UUID | None,
        rules: list[dict[str, Any]],
    ) -> Territory:
        check(parent_id != id, "territory_cycle", "a territory is not its own parent")
        check_rules(rules)
        return cls(id=id, name=name, parent_id=parent_id, rules=rules)

    @event("Created")
    def __init__(
        self,
        id: UUID,
        name: str,
        parent_id: UUID | None,
        rules: list[dict[str, Any]],
    ) -> None:
        self.name = name
        self.parent_id = parent_id
        self.rules = list(rules)
        self.accounts: list[UUID] = []
        self.reps: dict[UUID, str] = {}

    @property
    def owner_id(self) -> UUID | None:
        """The owner rep (territories are changed by managers and admins, so
        this is not the ``Owned`` write check's owner: see the routes)."""
        return next((r for r, role in self.reps.items() if role == OWNER), None)

    def rename(self, name: str) -> None:
        if name != self.name:
            self._renamed(old=self.name, new=name)

    @event("Renamed")
    def _renamed(self, old: str, new: str) -> None:
        self.name = new

    def move_under(self, parent_id: UUID | None) -> None:
        check(parent_id != self.id, "territory_cycle", "not its own parent")
        if parent_id != self.parent_id:
            self._parent_changed(old=self.parent_id, new=parent_id)

    @event("ParentChanged")
    def _parent_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.parent_id = new

    def set_rules(self, rules: list[dict[str, Any]]) -> None:
        check_rules(rules)
        if rules != self.rules:
            self._rules_changed(old=self.rules, new=rules)

    @event("RulesChanged")
    def _rules_changed(
        self, old: list[dict[str, Any]], new: list[dict[str, Any]]
    ) -> None:
        self.rules = list(new)

    def assign_account(self, account_id: UUID) -> None:
        if account_id not in self.accounts:
            self._account_assigned(account_id=account_id)

    @event("AccountAssigned")
    def _account_assigned(self, account_id: UUID) -> None:
        self.accounts = [*self.accounts, account_id]

    def release_account(self, account_id: UUID) -> None:
        if account_id in self.accounts:
            self._account_released(account_id=account_id)

    @event("AccountReleased")
    def _account_released(self, account_id: UUID) -> None:
        self.accounts = [a for a in self.accounts if a != account_id]

    def assign_rep(self, rep_id: UUID, role: str) -> None:
        check(role in REP_ROLES, "unknown_rep_role", f"no rep role {role!r}")
        if self.reps.get(rep_id) == role:
            return
        owner = self.owner_id
        msg = "the territory has an owner: remove them before naming another"
        check(role != OWNER or owner in (None, rep_id), "territory_has_owner", msg)
        self._rep_assigned(rep_id=rep_id, role=role, old_role=self.reps.get(rep_id))

    @event("RepAssigned")
    def _rep_assigned(self, rep_id: UUID, role: str, old_role: str | None) -> None:
        self.reps = {**self.reps, rep_id: role}

    def remove_rep(self, rep_id: UUID) -> None:
        if rep_id in self.reps:
            self._rep_removed(rep_id=rep_id, role=self.reps[rep_id])

    @event("RepRemoved")
    def _rep_removed(self, rep_id: UUID, role: str) -> None:
        self.reps = {r: role for r, role in self.reps.items() if r != rep_id}
