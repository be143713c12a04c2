"""Account: a customer organisation, its owner, territory and status.

What must hold:
- ``web_domain`` arrives normalised (lower-case host, no scheme, ``www.`` or
  path); the command layer normalises it.
- Status moves only along ``STATUS_TRANSITIONS``:

  - ``prospect`` -> ``active_customer`` (the first deal is won);
  - ``active_customer`` -> ``former_customer`` (the customer left);
  - ``former_customer`` -> ``active_customer`` (won back).

  A customer never becomes a prospect again, and a prospect never becomes a
  former customer without having been one: the status history stays true. An
  account may be *opened* in any status (existing customers are imported).
- Each kind of change is its own event carrying the old and the new value.
- A change that changes nothing records nothing.
- The address (country, region, postcode) and the size (employees) are what
  territory rules match on. ``territory`` is the territory's name (free text
  for clients that set it directly); ``territory_id`` and
  ``territory_rule`` say which territory and rule placed the account there
  (``TerritoryAssigned``, recorded after the ``TerritoryChanged`` it
  explains, so readers of ``TerritoryChanged`` alone still see every
  move); a free-text move alone clears them.
- Merges (``domain.merging``): a merged account is an alias of its survivor
  and records nothing else until unmerged.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.merging import Changes, Mergeable, apply_merged, apply_unmerged

PROSPECT = "prospect"
ACTIVE_CUSTOMER = "active_customer"
FORMER_CUSTOMER = "former_customer"
STATUSES = (PROSPECT, ACTIVE_CUSTOMER, FORMER_CUSTOMER)
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    PROSPECT: frozenset({ACTIVE_CUSTOMER}),
    ACTIVE_CUSTOMER: frozenset({FORMER_CUSTOMER}),
    FORMER_CUSTOMER: frozenset({ACTIVE_CUSTOMER}),
}


def check_status(status: str) -> None:
    check(status in STATUSES, "unknown_account_status", f"no status {status!r}")


ADDRESS = ("country", "region", "postcode")
MERGED_FIELDS = ("name", "web_domain", "industry", "territory", "owner_id")


class Account(Mergeable, SalesAggregate):
    country: str | None = None  # accounts opened before addresses: none
    region: str | None = None
    postcode: str | None = None
    employees: int | None = None
    territory_id: UUID | None = None
    territory_rule: str | None = None

    @event("Opened")
    def __init__(
        self,
        id: UUID,  # the library takes the aggregate id from this parameter
        name: str,
        web_domain: str | None = None,
        industry: str | None = None,
        territory: str | None = None,
        owner_id: UUID | None = None,
        status: str = PROSPECT,
    ) -> None:
        self.name = name
        self.web_domain = web_domain
        self.industry = industry
        self.territory = territory
        self.owner_id = owner_id
        self.status = status
        self.merged_into: UUID | None = None
        self.merges: dict[str, Changes] = {}
        self.not_duplicates: tuple[UUID, ...] = ()

    def rename(self, name: str) -> None:
        if name != self.name:
            self._renamed(old=self.name, new=name)

    @event("Renamed")
    def _renamed(self, old: str, new: str) -> None:
        self.name = new

    def change_web_domain(self, web_domain: str | None) -> None:
        if web_domain != self.web_domain:
            self._web_domain_changed(old=self.web_domain, new=web_domain)

    @event("WebDomainChanged")
    def _web_domain_changed(self, old: str | None, new: str | None) -> None:
        self.web_domain = new

    def change_industry(self, industry: str | None) -> None:
        if industry != self.industry:
            self._industry_changed(old=self.industry, new=industry)

    @event("IndustryChanged")
    def _industry_changed(self, old: str | None, new: str | None) -> None:
        self.industry = new

    def assign_owner(self, owner_id: UUID | None) -> None:
        if owner_id != self.owner_id:
            self._owner_changed(old=self.owner_id, new=owner_id)

    @event("OwnerChanged")
    def _owner_changed(self, old: UUID | None, new: UUID | None) -> None:
        self.owner_id = new

    def move_to_territory(self, territory: str | None) -> None:
        if territory != self.territory:
            self._territory_changed(old=self.territory, new=territory)

    @event("TerritoryChanged")
    def _territory_changed(self, old: str | None, new: str | None) -> None:
        self.territory = new
        self.territory_id = self.territory_rule = None  # free text, until placed

    def change_status(self, status: str, reason: str | None = None) -> None:
        """Moves along ``STATUS_TRANSITIONS`` only; the same status is a no-op."""
        check_status(status)
        if status == self.status:
            return
        check(
            status in STATUS_TRANSITIONS[self.status],
            "account_status_transition",
            f"an account cannot go from {self.status} to {status}",
        )
        self._status_changed(old=self.status, new=status, reason=reason)

    @event("StatusChanged")
    def _status_changed(self, old: str, new: str, reason: str | None) -> None:
        self.status = new

    def address(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in ADDRESS}

    def change_address(self, **address: str | None) -> None:
        """Only the named parts of ``ADDRESS`` change."""
        new = self.address() | address
        check(set(new) == set(ADDRESS), "unknown_address_part", "no such part")
        if new != self.address():
            self._address_changed(old=self.address(), new=new)

    @event("AddressChanged")
    def _address_changed(
        self, old: dict[str, str | None], new: dict[str, str | None]
    ) -> None:
        for name, value in new.items():
            setattr(self, name, value)

    def change_size(self, employees: int | None) -> None:
        msg = "employees is a count, not negative"
        check(employees is None or employees >= 0, "account_size_invalid", msg)
        if employees != self.employees:
            self._size_changed(old=self.employees, new=employees)

    @event("SizeChanged")
    def _size_changed(self, old: int | None, new: int | None) -> None:
        self.employees = new

    def assign_territory(
        self, territory_id: UUID | None, territory: str | None, rule: str | None
    ) -> None:
        """Placed by ``rule`` (a rule's name, ``manual``, or ``None`` when no
        territory claims the account any more)."""
        now = (self.territory_id, self.territory, self.territory_rule)
        if now == (territory_id, territory, rule):
            return
        old_id = self.territory_id
        self.move_to_territory(territory)
        self._territory_assigned(
            territory_id=territory_id, territory=territory, rule=rule, old_id=old_id
        )

    @event("TerritoryAssigned")
    def _territory_assigned(
        self,
        territory_id: UUID | None,
        territory: str | None,
        rule: str | None,
        old_id: UUID | None,
    ) -> None:
        self.territory_id = territory_id
        self.territory_rule = rule

    @event("Merged")
    def _merged(self, survivor_id: UUID, duplicate_id: UUID, changes: Changes) -> None:
        apply_merged(self, survivor_id, duplicate_id, changes)

    @event("Unmerged")
    def _unmerged(
        self, survivor_id: UUID, duplicate_id: UUID, restored: Changes
    ) -> None:
        apply_unmerged(self, survivor_id, duplicate_id, restored)

    @event("NotDuplicateMarked")
    def _not_duplicate_marked(self, other_id: UUID, reason: str | None) -> None:
        self.not_duplicates = (*self.not_duplicates, other_id)
