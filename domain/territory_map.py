"""Territory map: the alignment of all territories, in one record: their
hierarchy, names, rules and manually assigned accounts, i.e. everything
placing an account needs, read in one load (and cached by version:
``commands.territory_assignment``).

What must hold:
- There is one map (``TERRITORY_MAP_ID``). Every territory created, renamed
  or moved is placed on it in the same save as the territory's own event,
  so two concurrent changes of the hierarchy conflict (the second is
  refused and retried) instead of making a cycle together.
- A parent is a territory on the map; no territory is its own ancestor.
- Territory names are unique without regard to case: an account's
  ``territory`` field holds the name, so a name names one territory.
- Rules and manual accounts are recorded here in the same save as on the
  territory itself; an account is manually assigned to at most one
  territory (``pin`` moves it).
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check

TERRITORY_MAP_ID = uuid5(NAMESPACE_URL, "sfa:territory-map")


class TerritoryMap(SalesAggregate):
    @classmethod
    def start(cls) -> TerritoryMap:
        return cls(id=TERRITORY_MAP_ID)

    @event("Started")
    def __init__(self, id: UUID) -> None:
        self.parents: dict[UUID, UUID | None] = {}
        self.names: dict[UUID, str] = {}
        self.rules: dict[UUID, list[dict[str, Any]]] = {}
        self.manual: dict[UUID, UUID] = {}  # account -> territory

    def ancestors(self, territory_id: UUID | None) -> list[UUID]:
        """``territory_id`` and its ancestors, nearest first."""
        chain: list[UUID] = []
        while territory_id is not None and territory_id not in chain:
            chain.append(territory_id)
            territory_id = self.parents.get(territory_id)
        return chain

    def depth(self, territory_id: UUID) -> int:
        return len(self.ancestors(territory_id)) - 1

    def place(self, territory_id: UUID, name: str, parent_id: UUID | None) -> None:
        """Put the territory on the map, or move or rename it there."""
        msg = f"no territory {parent_id}"
        check(parent_id is None or parent_id in self.parents, "unknown_parent", msg)
        msg = "a territory cannot sit under itself or its own descendant"
        cycle = territory_id in self.ancestors(parent_id)
        check(not cycle, "territory_cycle", msg)
        folded = name.casefold()
        taken = [t for t, n in self.names.items() if n.casefold() == folded]
        msg = f"another territory is named {name!r}"
        check(taken in ([], [territory_id]), "territory_name_taken", msg)
        placed = (self.parents.get(territory_id), self.names.get(territory_id))
        if territory_id not in self.parents or placed != (parent_id, name):
            self._placed(territory_id=territory_id, name=name, parent_id=parent_id)

    @event("Placed")
    def _placed(self, territory_id: UUID, name: str, parent_id: UUID | None) -> None:
        self.parents = {**self.parents, territory_id: parent_id}
        self.names = {**self.names, territory_id: name}

    def set_rules(self, territory_id: UUID, rules: list[dict[str, Any]]) -> None:
        check(territory_id in self.parents, "unknown_territory", "not on the map")
        if self.rules.get(territory_id, []) != rules:
            self._rules_set(territory_id=territory_id, rules=rules)

    @event("RulesSet")
    def _rules_set(self, territory_id: UUID, rules: list[dict[str, Any]]) -> None:
        self.rules = {**self.rules, territory_id: list(rules)}

    def pin(self, account_id: UUID, territory_id: UUID) -> None:
        """The account is manually in this territory (and in no other)."""
        check(territory_id in self.parents, "unknown_territory", "not on the map")
        if self.manual.get(account_id) != territory_id:
            self._pinned(account_id=account_id, territory_id=territory_id)

    @event("AccountPinned")
    def _pinned(self, account_id: UUID, territory_id: UUID) -> None:
        self.manual = {**self.manual, account_id: territory_id}

    def unpin(self, account_id: UUID, territory_id: UUID) -> None:
        if self.manual.get(account_id) == territory_id:
            self._unpinned(account_id=account_id, territory_id=territory_id)

    @event("AccountUnpinned")
    def _unpinned(self, account_id: UUID, territory_id: UUID) -> None:
        self.manual = {a: t for a, t in self.manual.items() if a != account_id}
