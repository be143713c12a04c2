"""Rep agenda: the facts each rep's agenda is decided from.

The view stores facts only: every activity (whose, with whom, its status,
when it is scheduled and when it was completed, its follow-up), each
contact's account, and every opportunity (owner, account, status, close
date). It never reads a clock, so a rebuild gives the same rows.
``agenda_query.agenda(...)`` decides, for the day a reader asks about, what
is due, overdue, missing a follow-up, stale or past its close date.

Times are stored in UTC: on SQLite they are ISO 8601 text, compared as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from domain.activity import Activity
from domain.contact import Contact
from domain.opportunity import Opportunity
from projections.events import event_class
from projections.view import Step, View, handles

REGISTERED = event_class(Contact, "Registered")
MOVED = event_class(Contact, "AccountChanged")
PLANNED = event_class(Activity, "Planned")
DETAILS_CHANGED = event_class(Activity, "DetailsChanged")
OPENED = event_class(Opportunity, "Opened")
# the opportunity columns named as on its Opened event
DEAL_COLUMNS = "owner_id account_id name stage amount currency expected_close_date"
Change = tuple[str, str, str]  # table, key column, "column=attribute ..."
# the columns each event sets: ``column=attribute`` or ``column='value'``
ACTIVITY_CHANGES = {
    "Rescheduled": "scheduled_at=new",
    "Cancelled": "status='cancelled'",
}
DEAL_CHANGES = {
    "Renamed": "name=new",
    "OwnerChanged": "owner_id=new",
    "AmountChanged": "amount=new currency=currency",
    "CloseDateChanged": "expected_close_date=new",
    "StageChanged": "stage=to_stage",
    "Won": "status='won'",
    "Lost": "status='lost'",
    "Reopened": "status='open' stage=stage",
}
CHANGES: dict[type, Change] = {
    event_class(Activity, name): ("activities", "activity_id", sets)
    for name, sets in ACTIVITY_CHANGES.items()
} | {
    event_class(Opportunity, name): ("opportunities", "opportunity_id", sets)
    for name, sets in DEAL_CHANGES.items()
}


def utc(value: Any) -> Any:
    """A time in UTC (beyond the calendar's ends: its first or last moment);
    any other value as it is."""
    if not isinstance(value, datetime):
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


class Agenda(View):
    name = "agenda"
    reads_personal_data = False  # boxes stay shut (projections.view)
    tables: ClassVar[dict[str, str]] = {
        "activities": (
            "activity_id UUID PRIMARY KEY, owner_id UUID, kind TEXT NOT NULL,"
            " purpose TEXT NOT NULL, contact_id UUID, account_id UUID,"
            " status TEXT NOT NULL, scheduled_at TIMESTAMPTZ,"
            " completed_at TIMESTAMPTZ, outcome TEXT, follow_up_id UUID,"
            " completed_position BIGINT"
        ),
        "contacts": "contact_id UUID PRIMARY KEY, account_id UUID",
        "opportunities": (
            "opportunity_id UUID PRIMARY KEY, owner_id UUID,"
            " account_id UUID NOT NULL, name TEXT NOT NULL, stage TEXT NOT NULL,"
            " amount NUMERIC NOT NULL, currency TEXT NOT NULL,"
            " expected_close_date DATE NOT NULL, status TEXT NOT NULL,"
            " opened_at TIMESTAMPTZ NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "by_owner": "{activities} (owner_id, status, scheduled_at)",
        "by_account": "{activities} (account_id, status, completed_at)",
        "by_contact": "{activities} (contact_id, status)",
        "deals_by_owner": "{opportunities} (owner_id, status)",
    }
    query_indexes: ClassVar[frozenset[str]] = frozenset(indexes)

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """The accounts of the contacts of activities naming no account."""
        step.preload(
            "agenda.contacts",
            "SELECT contact_id, account_id FROM {contacts} WHERE contact_id IN (%s)",
            {
                event.contact_id
                for event in events
                if isinstance(event, PLANNED | Activity.Logged)
                and event.account_id is None
            },
        )

    @handles(REGISTERED, MOVED)
    def contact_event(self, step: Step, event: Any) -> None:
        account_id = event.new if isinstance(event, MOVED) else event.account_id
        step.execute(
            "INSERT INTO {contacts} VALUES (%s, %s) ON CONFLICT (contact_id)"
            " DO UPDATE SET account_id = excluded.account_id",
            event.originator_id,
            account_id,
        )
        step.remember(("agenda.contacts", event.originator_id), (account_id,))

    @handles(PLANNED, Activity.Logged)
    def activity_created(self, step: Step, event: Any) -> None:
        """An activity naming only a contact is with the contact's account
        of that moment (as on the contact history)."""
        account_id = event.account_id
        if account_id is None and event.contact_id is not None:
            row = step.lookup(
                ("agenda.contacts", event.contact_id),
                "SELECT account_id FROM {contacts} WHERE contact_id = %s",
                event.contact_id,
            )
            account_id = row[0] if row else None
        step.execute(
            "INSERT INTO {activities} (activity_id, owner_id, kind, purpose,"
            " contact_id, account_id, status, scheduled_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'planned', %s)"
            " ON CONFLICT (activity_id) DO NOTHING",
            event.originator_id,
            event.owner_id,
            event.kind,
            event.purpose,
            event.contact_id,
            account_id,
            utc(event.scheduled_at),
        )
        if isinstance(event, Activity.Logged):
            self.activity_completed(step, event)

    @handles(Activity.Completed)
    def activity_completed(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {activities} SET status = 'completed', completed_at = %s,"
            " outcome = %s, follow_up_id = %s, completed_position = %s"
            " WHERE activity_id = %s",
            utc(event.completed_at),
            event.outcome,
            event.follow_up_id,
            step.position,
            event.originator_id,
        )

    @handles(*CHANGES)
    def changed(self, step: Step, event: Any) -> None:
        table, key, spec = CHANGES[type(event)]
        sets, values = [], []
        for pair in spec.split():
            column, source = pair.split("=")
            if source.startswith("'"):
                sets.append(pair)
            else:
                sets.append(f"{column} = %s")
                values.append(utc(getattr(event, source)))
        statement = f"UPDATE {{{table}}} SET {', '.join(sets)} WHERE {key} = %s"
        step.execute(statement, *values, event.originator_id)

    @handles(DETAILS_CHANGED)
    def activity_details_changed(self, step: Step, event: Any) -> None:
        if "purpose" in (event.new or {}):
            step.execute(
                "UPDATE {activities} SET purpose = %s WHERE activity_id = %s",
                event.new["purpose"],
                event.originator_id,
            )

    @handles(OPENED)
    def opportunity_opened(self, step: Step, event: Any) -> None:
        names = DEAL_COLUMNS.split()
        step.execute(
            f"INSERT INTO {{opportunities}} (opportunity_id, {', '.join(names)},"
            f" status, opened_at) VALUES (%s, {'%s, ' * len(names)}'open', %s)"
            " ON CONFLICT (opportunity_id) DO NOTHING",
            event.originator_id,
            *[getattr(event, name) for name in names],
            utc(event.timestamp),
        )
