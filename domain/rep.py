"""Rep and Team: the sales people, and the teams they are grouped in.

What must hold:
- A rep is in at most one team. ``Rep.team_id`` and ``Team.member_ids`` are
  two sides of one fact: the command layer changes both in one transaction,
  so ``rep.team_id == team.id`` exactly when ``rep.id in team.member_ids``.
- Likewise ``Team.manager_id`` and ``Rep.managed_team_ids``: a manager's
  rep record names the teams they manage, so their team is found by loading
  one record (there are no read models on the write side).
- A rep does not manage themselves. Emails arrive normalised.
- A change that changes nothing records nothing.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check


class Rep(SalesAggregate):
    @event("Registered")
    def __init__(
        self,
        id: UUID,  # the library takes the aggregate id from this parameter
        name: str,
        email: str,
        manager_id: UUID | None = None,
        territory: str | None = None,
    ) -> None:
        self.name = name
        self.email = email
        self.manager_id = manager_id
        self.territory = territory
        self.team_id: UUID | None = None
        self.managed_team_ids: tuple[UUID, ...] = ()
        self.active = True

    def rename(self, name: str) -> None:
        if name != self.name:
            self._renamed(old=self.name, new=name)

    @event("Renamed")
    def _renamed(self, old: str, new: str) -> None:
        self.name = new

    def change_email(self, email: str) -> None:
        if email != self.email:
            self._email_changed(old=self.email, new=email)

    @event("EmailChanged")
    def _email_changed(self, old: str, new: str) -> None:
        self.email = new

    def assign_manager(self, manager_id: UUID | None) -> None:
        check(
            manager_id != self.id,
            "rep_cannot_manage_self",
            "a rep cannot be their own manager",
        )
        if manager_id != self.manager_id:
            self._manager_changed(old=self.manager_id, new=manager_id)

    @event("ManagerChanged")
    def _manager_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.manager_id = new

    def move_to_territory(self, territory: str | None) -> None:
        if territory != self.territory:
            self._territory_changed(old=self.territory, new=territory)

    @event("TerritoryChanged")
    def _territory_changed(self, old: str | None, new: str | None) -> None:
        self.territory = new

    def deactivate(self, reason: str | None = None) -> None:
        if self.active:
            self._deactivated(reason=reason)

    @event("Deactivated")
    def _deactivated(self, reason: str | None) -> None:
        self.active = False

    def reactivate(self) -> None:
        if not self.active:
            self._reactivated()

    @event("Reactivated")
    def _reactivated(self) -> None:
        self.active = True

    def join_team(self, team_id: UUID | None) -> None:
        """Moves the rep to ``team_id`` (``None``: no team). The command layer
        changes the teams' member lists in the same transaction."""
        if team_id != self.team_id:
            self._team_changed(old=self.team_id, new=team_id)

    @event("TeamChanged")
    def _team_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.team_id = new

    def start_managing(self, team_id: UUID) -> None:
        if team_id not in self.managed_team_ids:
            self._started_managing_team(team_id=team_id)

    @event("StartedManagingTeam")
    def _started_managing_team(self, team_id: UUID) -> None:
        self.managed_team_ids = (*self.managed_team_ids, team_id)

    def stop_managing(self, team_id: UUID) -> None:
        if team_id in self.managed_team_ids:
            self._stopped_managing_team(team_id=team_id)

    @event("StoppedManagingTeam")
    def _stopped_managing_team(self, team_id: UUID) -> None:
        self.managed_team_ids = tuple(t for t in self.managed_team_ids if t != team_id)


class Team(SalesAggregate):
    @event("Formed")
    def __init__(
        self,
        id: UUID,  # the library takes the aggregate id from this parameter
        name: str,
        manager_id: UUID | None = None,
    ) -> None:
        self.name = name
        self.manager_id = manager_id
        self.member_ids: tuple[UUID, ...] = ()

    def rename(self, name: str) -> None:
        if name != self.name:
            self._renamed(old=self.name, new=name)

    @event("Renamed")
    def _renamed(self, old: str, new: str) -> None:
        self.name = new

    def assign_manager(self, manager_id: UUID | None) -> None:
        """The command layer updates both managers' ``managed_team_ids``."""
        if manager_id != self.manager_id:
            self._manager_changed(old=self.manager_id, new=manager_id)

    @event("ManagerChanged")
    def _manager_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.manager_id = new

    def add_member(self, rep_id: UUID) -> None:
        if rep_id not in self.member_ids:
            self._member_added(rep_id=rep_id)

    @event("MemberAdded")
    def _member_added(self, rep_id: UUID) -> None:
        self.member_ids = (*self.member_ids, rep_id)

    def remove_member(self, rep_id: UUID) -> None:
        if rep_id in self.member_ids:
            self._member_removed(rep_id=rep_id)

    @event("MemberRemoved")
    def _member_removed(self, rep_id: UUID) -> None:
        self.member_ids = tuple(m for m in self.member_ids if m != rep_id)
