"""Contact history: the timeline of every customer, per contact and per account.

One row in ``entries`` per event about a contact or an account: its own
detail changes, activities with it (planned, done, cancelled, moved),
opportunities of the account, and lead conversion. Three helper tables
remember which customer an activity or opportunity concerns and which
account a contact belongs to, so later events (which do not repeat it) land
on the right timelines. Columns are documented in docs/read-models.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, ClassVar
from uuid import UUID

from domain.account import Account
from domain.activity import Activity
from domain.base import public_type
from domain.contact import Contact
from domain.lead import Lead
from domain.opportunity import Opportunity
from domain.personal import ERASED_FIELD, erase, personal_paths
from projections.events import event_class, events_of
from projections.view import Step, View, handles

_META = (
    *("originator_id", "originator_version", "timestamp", "originator_topic"),
    *("actor", "correlation_id", "causation_id"),
)


REGISTERED = event_class(Contact, "Registered")
ACCOUNT_CHANGED = event_class(Contact, "AccountChanged")
PLANNED = event_class(Activity, "Planned")
LOGGED = event_class(Activity, "Logged")
ACTIVITY_CHANGED = event_class(Activity, "DetailsChanged")
OPENED = event_class(Opportunity, "Opened")
CONVERTED = event_class(Lead, "Converted")
PERSONAL = {
    public_type(cls): personal_paths(cls)
    for aggregate in (Contact, Activity, Lead)
    for cls in events_of(aggregate)
}
ACTIVITY_EVENTS = frozenset(events_of(Activity))
CONTACT_EVENTS = frozenset(events_of(Contact))
OPPORTUNITY_EVENTS = frozenset(events_of(Opportunity))
ACTIVITY_ROW = ("contact_id", "account_id", "kind", "purpose", "department", "rep_id")
ACTIVITY_COLUMNS = ("purpose", "department")  # what DetailsChanged may change


_DETAILS = json.JSONEncoder(default=str, sort_keys=True)  # as json.dumps(...) would
_ENCODER = (  # what _DETAILS.encode makes per call, made once (no cycle check)
    c_make_encoder(
        None, str, encode_basestring_ascii, None, ": ", ", ", True, False, True
    )
    if c_make_encoder is not None
    else None
)


def details(event: Any) -> str:
    """The event's fields but its metadata, as ``json.dumps(fields,
    default=str, sort_keys=True)`` writes them."""
    fields = vars(event).copy()
    for key in _META:
        fields.pop(key, None)
    if _ENCODER is None:
        return _DETAILS.encode(fields)
    return "".join(_ENCODER(fields, 0))


class ContactHistory(View):
    name = "contact_history"
    tables: ClassVar[dict[str, str]] = {
        "entries": (
            "position BIGINT PRIMARY KEY, occurred_at TIMESTAMPTZ NOT NULL,"
            " contact_id UUID, account_id UUID, record_type TEXT NOT NULL,"
            " record_id UUID NOT NULL, event_type TEXT NOT NULL,"
            " activity_kind TEXT, purpose TEXT, department TEXT, rep_id UUID,"
            " actor TEXT NOT NULL, details TEXT NOT NULL"
        ),
        "contacts": "contact_id UUID PRIMARY KEY, account_id UUID",
        "activities": (
            "activity_id UUID PRIMARY KEY, contact_id UUID, account_id UUID,"
            " kind TEXT, purpose TEXT, department TEXT, rep_id UUID"
        ),
        "opportunities": "opportunity_id UUID PRIMARY KEY, account_id UUID",
    }
    indexes: ClassVar[dict[str, str]] = {
        "by_contact": "{entries} (contact_id, position)",
        "by_account": "{entries} (account_id, position)",
    }
    query_indexes: ClassVar[frozenset[str]] = frozenset({"by_account"})

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """The helper rows the batch's events will look up, three queries."""
        contacts, activities, opportunities = set(), set(), set()
        for event in events:
            if isinstance(event, PLANNED | LOGGED):
                if event.account_id is None:
                    contacts.add(event.contact_id)
            elif type(event) in ACTIVITY_EVENTS:
                activities.add(event.originator_id)
            elif type(event) in CONTACT_EVENTS:
                contacts.add(event.originator_id)
            elif type(event) in OPPORTUNITY_EVENTS:
                opportunities.add(event.originator_id)
        step.preload(
            "contacts",
            "SELECT contact_id, account_id FROM {contacts} WHERE contact_id IN (%s)",
            contacts,
        )
        step.preload(
            "activities",
            "SELECT activity_id, contact_id, account_id, kind, purpose, department,"
            " rep_id FROM {activities} WHERE activity_id IN (%s)",
            activities,
        )
        step.preload(
            "opportunities",
            "SELECT opportunity_id, account_id FROM {opportunities}"
            " WHERE opportunity_id IN (%s)",
            opportunities,
        )

    def entry(
        self,
        step: Step,
        event: Any,
        *,
        contact_id: UUID | None,
        account_id: UUID | None,
        **activity: Any,
    ) -> None:
        step.execute(
            "INSERT INTO {entries} (position, occurred_at, contact_id, account_id,"
            " record_type, record_id, event_type, activity_kind, purpose,"
            " department, rep_id, actor, details)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            step.position,
            event.timestamp,
            contact_id,
            account_id,
            public_type(type(event)).split(".")[1],
            event.originator_id,
            public_type(type(event)),
            activity.get("kind"),
            activity.get("purpose"),
            activity.get("department"),
            activity.get("rep_id"),
            event.actor,
            details(event),
        )

    def account_of(self, step: Step, contact_id: UUID | None) -> UUID | None:
        """The contact's account now (an activity with only a contact lands on
        the timeline of the account the contact belonged to when planned)."""
        if contact_id is None:
            return None
        row = step.lookup(
            ("contacts", contact_id),
            "SELECT account_id FROM {contacts} WHERE contact_id = %s",
            contact_id,
        )
        return row[0] if row else None

    @handles(*events_of(Contact))
    def contact_event(self, step: Step, event: Any) -> None:
        if isinstance(event, REGISTERED):
            account_id = event.account_id
            step.execute(
                "INSERT INTO {contacts} VALUES (%s, %s) ON CONFLICT (contact_id)"
                " DO UPDATE SET account_id = excluded.account_id",
                event.originator_id,
                account_id,
            )
            step.remember(("contacts", event.originator_id), (account_id,))
        elif isinstance(event, ACCOUNT_CHANGED):
            account_id = event.new
            step.execute(
                "UPDATE {contacts} SET account_id = %s WHERE contact_id = %s",
                account_id,
                event.originator_id,
            )
            self.recache(step, ("contacts", event.originator_id), account_id=account_id)
        else:
            account_id = self.account_of(step, event.originator_id)
        self.entry(step, event, contact_id=event.originator_id, account_id=account_id)
        if isinstance(event, Contact.Forgotten):
            self.forgotten(step, event.originator_id)

    @staticmethod
    def forgotten(step: Step, contact_id: UUID) -> None:
        """Each entry on the contact's timeline reads as a rebuild from the
        erased events would write it: personal values erased and named in
        ``erased`` (``domain.personal.erase``)."""
        step.execute(
            "SELECT position, event_type, details FROM {entries} WHERE contact_id = %s",
            contact_id,
        )
        for position, event_type, text in step.cursor.fetchall():
            fields = json.loads(text)
            if ERASED_FIELD in fields:
                continue  # written after the keys were destroyed
            if erase(fields, PERSONAL.get(event_type, ())):
                step.execute(
                    "UPDATE {entries} SET details = %s WHERE position = %s",
                    json.dumps(fields, default=str, sort_keys=True),
                    position,
                )

    @staticmethod
    def recache(step: Step, key: tuple[str, UUID], **changed: Any) -> None:
        """After an ``UPDATE`` of a helper row: the cached row with
        ``changed``; if the batch knows no row, it asks the table next time."""
        row = step.cached(key)
        if row is None:
            step.forget(key)
            return
        columns = ("account_id",) if key[0] != "activities" else ACTIVITY_ROW
        values = dict(zip(columns, row, strict=True)) | changed
        step.remember(key, tuple(values.values()))

    def activity_created(self, step: Step, event: Any) -> None:
        """Its helper row, cached as written: a creation event is the first
        of its activity, so the row did not exist (``DO NOTHING`` is for
        safety)."""
        row = (
            event.contact_id,
            event.account_id or self.account_of(step, event.contact_id),
            event.kind,
            event.purpose,
            event.department,
            event.owner_id,
        )
        step.execute(
            "INSERT INTO {activities} VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (activity_id) DO NOTHING",
            event.originator_id,
            *row,
        )
        step.remember(("activities", event.originator_id), row)

    @handles(*events_of(Activity))
    def activity_event(self, step: Step, event: Any) -> None:
        key = ("activities", event.originator_id)
        if isinstance(event, PLANNED | LOGGED):
            self.activity_created(step, event)
        elif isinstance(event, ACTIVITY_CHANGED) and event.new:
            changed = {c: event.new[c] for c in ACTIVITY_COLUMNS if c in event.new}
            for column, value in changed.items():
                step.execute(
                    f"UPDATE {{activities}} SET {column} = %s WHERE activity_id = %s",
                    value,
                    event.originator_id,
                )
            self.recache(step, key, **changed)
        row = step.lookup(
            key,
            "SELECT contact_id, account_id, kind, purpose, department, rep_id"
            " FROM {activities} WHERE activity_id = %s",
            event.originator_id,
        )
        if row is None or (row[0] is None and row[1] is None):
            return  # an internal task: no customer timeline
        contact_id, account_id, kind, purpose, department, rep_id = row
        self.entry(
            step,
            event,
            contact_id=contact_id,
            account_id=account_id,
            kind=kind,
            purpose=purpose,
            department=department,
            rep_id=rep_id,
        )

    @handles(*events_of(Opportunity))
    def opportunity_event(self, step: Step, event: Any) -> None:
        if isinstance(event, OPENED):
            step.execute(
                "INSERT INTO {opportunities} VALUES (%s, %s)"
                " ON CONFLICT (opportunity_id) DO NOTHING",
                event.originator_id,
                event.account_id,
            )
            step.remember(("opportunities", event.originator_id), (event.account_id,))
        row = step.lookup(
            ("opportunities", event.originator_id),
            "SELECT account_id FROM {opportunities} WHERE opportunity_id = %s",
            event.originator_id,
        )
        self.entry(step, event, contact_id=None, account_id=row[0] if row else None)

    @handles(*events_of(Account))
    def account_event(self, step: Step, event: Any) -> None:
        self.entry(step, event, contact_id=None, account_id=event.originator_id)

    @handles(CONVERTED)
    def lead_converted(self, step: Step, event: Any) -> None:
        self.entry(
            step, event, contact_id=event.contact_id, account_id=event.account_id
        )
