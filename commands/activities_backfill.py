"""Filing the outreach recorded before the guard existed (``sfa outreach
backfill``).

What must hold:
- Every outreach activity that can still count (planned, or completed within
  the policy's reach of now) ends up in its customer's ledger; nothing is
  decided (these were accepted already) and no activity changes.
- Running it again files nothing new; it may run while the engine serves
  (a customer's ledger is saved with optimistic concurrency, and a lost race
  is run again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

from eventsourcing.utils import get_topic

from commands.activities_outreach import (
    Filing,
    customer_of,
    entry_of,
    now,
    retrying,
)
from commands.application import SalesApplication
from commands.base import Context, Outcome, save
from domain.activity import Activity
from domain.contact import Contact
from domain.outreach_rules import Entry

PAGE = 1000
Progress = Callable[[int, int], None]


def _created(app: SalesApplication) -> Iterator[UUID]:
    """The id of every activity ever planned or logged, in log order."""
    planned = vars(Activity)["Planned"]
    topics = [get_topic(planned), get_topic(Activity.Logged)]
    start = 1
    while page := app.recorder.select_notifications(start, PAGE, topics=topics):
        for notification in page:
            yield UUID(str(notification.originator_id))
        start = page[-1].id + 1


def _live(app: SalesApplication, activity_id: UUID) -> tuple[UUID, Entry] | None:
    """The activity's customer and entry, if it can still count."""
    activity: Activity = app.repository.get(activity_id)
    contact = None
    if activity.contact_id is not None:
        found: object = app.repository.get(activity.contact_id)
        contact = found if isinstance(found, Contact) else None
    entry, customer = entry_of(activity, contact), customer_of(activity, contact)
    if entry is None or customer is None:
        return None
    cutoff = now() - app.outreach_policy.reach
    if entry.status != "planned" and entry.at < cutoff:
        return None
    return customer, entry


class _File:
    """The command of one customer's filing (for ``retrying``)."""

    def __init__(self, customer: UUID, entries: list[Entry]) -> None:
        self.customer, self.entries = customer, entries
        self.filed = 0


@retrying
def _file(app: SalesApplication, command: _File, ctx: Context) -> Outcome:
    filing = Filing(app)
    ledger = filing.ledger(command.customer)
    missing = [e for e in command.entries if not ledger.holds(e.activity_id)]
    for entry in missing:
        ledger.update(entry)
    command.filed = len(missing)
    return save(app, ctx, *filing.changed()) if missing else Outcome(ledger, 0)


def backfill(
    app: SalesApplication, ctx: Context, progress: Progress | None = None
) -> int:
    """Files what can still count and is in no ledger; returns how many
    activities it filed."""
    ids = list(_created(app))
    by_customer: dict[UUID, list[Entry]] = {}
    for done, activity_id in enumerate(ids, 1):
        found = _live(app, activity_id)
        if found is not None:
            by_customer.setdefault(found[0], []).append(found[1])
        if progress is not None and (done % 500 == 0 or done == len(ids)):
            progress(done, len(ids))
    filed = 0
    for customer, entries in by_customer.items():
        command = _File(customer, entries)
        _file(app, command, ctx)
        filed += command.filed
    return filed
