"""When two approaches to one customer collide, and how often a contact may be
approached: the rules the outreach ledger (``domain.outreach``) decides by.

What must hold:
- An *entry* is one outreach activity (planned or completed; a cancelled one
  is no entry) at its time: the scheduled time while planned, the completion
  time once done. Its ``account_id`` is the customer account: the one the
  activity names, else its contact's.
- Two entries *collide* when they have the same purpose, the same contact or
  the same account, another rep or another department, and their times are
  less than the purpose's window apart (``Policy.window``). The relation is
  symmetric, so the order in which two writers arrive does not matter.
- The *frequency cap*: no span of ``cap_days`` holds more than ``cap``
  entries naming one contact, across every rep and department.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.base import DomainError

COLLISION, CAP = "outreach_collision", "outreach_frequency_cap"
DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Entry:
    activity_id: UUID
    purpose: str
    contact_id: UUID | None
    account_id: UUID | None
    owner_id: UUID | None
    department: str | None
    status: str
    at: datetime

    def same_customer(self, other: Entry) -> bool:
        contact = self.contact_id is not None and self.contact_id == other.contact_id
        account = self.account_id is not None and self.account_id == other.account_id
        return contact or account

    def same_hands(self, other: Entry) -> bool:
        """The same rep through the same department."""
        return (self.owner_id, self.department) == (other.owner_id, other.department)


@dataclass(frozen=True)
class Policy:
    """``windows`` override the default window for a purpose; a product
    purpose (``upsell:seats``) takes its own window, else its head's
    (``upsell``), else the default. ``cap=None``: no frequency cap."""

    window_days: int = DEFAULT_WINDOW_DAYS
    windows: tuple[tuple[str, int], ...] = ()
    cap: int | None = None
    cap_days: int = 7

    def window(self, purpose: str) -> timedelta:
        days = dict(self.windows)
        head = purpose.partition(":")[0]
        return timedelta(days=days.get(purpose, days.get(head, self.window_days)))

    @property
    def cap_period(self) -> timedelta:
        return timedelta(days=self.cap_days)

    @property
    def reach(self) -> timedelta:
        """How far apart two entries may be and still count against each
        other: the longest window, or the cap's period if longer."""
        days = [self.window_days, *(d for _, d in self.windows)]
        if self.cap is not None:
            days.append(self.cap_days)
        return timedelta(days=max(days))


@dataclass(frozen=True)
class Clash:
    """An entry already filed that the new one runs into, and by which rule."""

    rule: str
    entry: Entry


def collisions(filed: Iterable[Entry], new: Entry, policy: Policy) -> list[Clash]:
    window = policy.window(new.purpose)
    return [
        Clash(COLLISION, old)
        for old in filed
        if old.activity_id != new.activity_id
        and old.purpose == new.purpose
        and old.same_customer(new)
        and not old.same_hands(new)
        and abs(old.at - new.at) < window
    ]


def over_cap(filed: Iterable[Entry], new: Entry, policy: Policy) -> list[Clash]:
    """The entries of the fullest span of ``cap_days`` holding ``new`` if,
    with ``new``, it would hold more than ``cap``; else none."""
    if policy.cap is None or new.contact_id is None:
        return []
    period = policy.cap_period
    near = [
        old
        for old in filed
        if old.activity_id != new.activity_id
        and old.contact_id == new.contact_id
        and abs(old.at - new.at) < period
    ]
    starts = [new.at, *(old.at for old in near if old.at <= new.at)]
    fullest: list[Entry] = []
    for start in starts:  # every span [start, start + period) holding new
        inside = [old for old in near if start <= old.at < start + period]
        if len(inside) > len(fullest):
            fullest = inside
    if len(fullest) + 1 <= policy.cap:
        return []
    return [Clash(CAP, old) for old in sorted(fullest, key=lambda e: e.at)]


def clashes(filed: Iterable[Entry], new: Entry, policy: Policy) -> list[Clash]:
    entries = list(filed)
    return collisions(entries, new, policy) + over_cap(entries, new, policy)


def _describe(clash: Clash) -> str:
    e = clash.entry
    when = "planned for" if e.status == "planned" else "done at"
    by = f"rep {e.owner_id}" if e.owner_id else "no rep"
    through = f"department {e.department}" if e.department else "no department"
    return f"activity {e.activity_id} ({e.purpose}) by {by}, {through}, {when} {e.at}"


class OutreachRefused(DomainError):
    """A new or moved approach runs into others; ``clashes`` names them. The
    caller may go ahead only with an ``override_reason``."""

    rule = COLLISION

    def __init__(self, found: list[Clash]) -> None:
        rule = found[0].rule
        what = "collides with" if rule == COLLISION else "exceeds the contact cap with"
        listed = "; ".join(_describe(c) for c in found)
        message = f"this outreach {what} {listed}; send override_reason to go ahead"
        super().__init__(message, rule=rule)
        self.clashes = found

    @property
    def details(self) -> dict[str, Any]:
        """What a problem document adds: every clash, as JSON values."""
        return {
            "rules": sorted({c.rule for c in self.clashes}),
            "collisions": [clash_json(c) for c in self.clashes],
        }


def clash_json(clash: Clash) -> dict[str, Any]:
    e = clash.entry
    return {
        "rule": clash.rule,
        "activity_id": str(e.activity_id),
        "purpose": e.purpose,
        "contact_id": None if e.contact_id is None else str(e.contact_id),
        "account_id": None if e.account_id is None else str(e.account_id),
        "rep_id": None if e.owner_id is None else str(e.owner_id),
        "department": e.department,
        "status": e.status,
        "at": e.at.isoformat(),
    }
