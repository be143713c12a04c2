"""What the lists view's rows hold: the tables, the values an event sets,
and the columns computed from them.

What must hold:
- An event's fields named like a column set it (``new`` goes to the column
  of ``NEW_GOES_TO``; a ``new`` dict sets each of its keys); ``FIXED`` adds
  what an event implies (a won deal's status, probability and category).
- ``search_text`` and ``sort_name`` are computed in Python (case-folded)
  whenever a value they are made of changes: SQLite's ``lower`` knows ASCII
  only, so the stores' SQL would disagree. Times are stored in UTC, so on
  SQLite (text) they sort and compare as times.
Columns are documented in docs/read-models.md.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.account import Account
from domain.activity import CANCELLED, COMPLETED, PLANNED, Activity
from domain.contact import Contact
from domain.lead import CONVERTED, DISQUALIFIED, NEW, QUALIFIED, WORKING, Lead
from domain.opportunity import LOST, OPEN, WON, Opportunity
from projections.events import event_class, events_of

_ROW = (
    "version INTEGER NOT NULL, created_at TIMESTAMPTZ NOT NULL,"
    " updated_at TIMESTAMPTZ NOT NULL, search_text TEXT NOT NULL"
)
_AT = "account_id UUID, company TEXT, territory TEXT, owner_id UUID"
TABLES = {
    "accounts": f"account_id UUID PRIMARY KEY, {_ROW}, name TEXT NOT NULL,"
    " sort_name TEXT NOT NULL, web_domain TEXT, industry TEXT, territory TEXT,"
    " owner_id UUID, status TEXT NOT NULL",
    "contacts": f"contact_id UUID PRIMARY KEY, {_ROW}, given_name TEXT NOT NULL,"
    " family_name TEXT NOT NULL, sort_name TEXT NOT NULL, emails TEXT NOT NULL,"
    f" phones TEXT NOT NULL, title TEXT, department TEXT, {_AT},"
    " do_not_contact BOOLEAN NOT NULL",
    "leads": f"lead_id UUID PRIMARY KEY, {_ROW}, given_name TEXT, family_name TEXT,"
    " sort_name TEXT NOT NULL, email TEXT, phone TEXT, company TEXT,"
    " web_domain TEXT, title TEXT, source TEXT NOT NULL, status TEXT NOT NULL,"
    " score INTEGER NOT NULL, owner_id UUID, contact_id UUID, account_id UUID,"
    " opportunity_id UUID",
    "opportunities": f"opportunity_id UUID PRIMARY KEY, {_ROW}, name TEXT NOT NULL,"
    f" sort_name TEXT NOT NULL, {_AT}, primary_contact_id UUID,"
    " amount NUMERIC NOT NULL, currency TEXT NOT NULL,"
    " expected_close_date DATE NOT NULL, pipeline_id UUID NOT NULL,"
    " stage TEXT NOT NULL, probability INTEGER NOT NULL,"
    " forecast_category TEXT NOT NULL, status TEXT NOT NULL, closed_at TIMESTAMPTZ",
    "activities": f"activity_id UUID PRIMARY KEY, {_ROW}, kind TEXT NOT NULL,"
    " purpose TEXT NOT NULL, status TEXT NOT NULL, scheduled_at TIMESTAMPTZ,"
    f" completed_at TIMESTAMPTZ, contact_id UUID, contact_name TEXT, {_AT},"
    " department TEXT, outcome TEXT, duration_minutes INTEGER, follows_id UUID,"
    " follow_up_id UUID",
}
KEYS = {table: columns.split()[0] for table, columns in TABLES.items()}
COLUMNS = {
    table: tuple(part.split()[0] for part in columns.split(","))
    for table, columns in TABLES.items()
}
SEARCHED = {
    "accounts": ("name", "web_domain"),
    "contacts": ("given_name", "family_name", "emails", "phones", "company"),
    "leads": ("given_name", "family_name", "email", "phone", "company", "web_domain"),
    "opportunities": ("name", "company"),
    "activities": ("contact_name", "company", "purpose"),
}
SORT_NAME = {
    "accounts": ("name",),
    "contacts": ("family_name", "given_name"),
    "leads": ("family_name", "given_name", "company", "email"),
    "opportunities": ("name",),
}
DERIVED_FROM = {t: {*SEARCHED[t], *SORT_NAME.get(t, ())} for t in TABLES}
AT_ACCOUNT = ("contacts", "opportunities", "activities")
# What the batch cache keeps of a row: what its search_text and sort_name are
# made of, and what other rows take from it (an account's territory, a
# contact's account). Not the territory of a row at an account: that changes
# with its account's, without the row being read.
_TAKEN = {"accounts": {"territory"}, "contacts": {"account_id"}}
CACHED = {t: tuple(sorted(DERIVED_FROM[t] | _TAKEN.get(t, set()))) for t in TABLES}
RENAMED = {"company_name": "company"}  # a lead's field -> its column
NEW_GOES_TO = {
    "Renamed": "name",
    "WebDomainChanged": "web_domain",
    "IndustryChanged": "industry",
    "OwnerChanged": "owner_id",
    "TerritoryChanged": "territory",
    "StatusChanged": "status",
    "EmailsChanged": "emails",
    "PhonesChanged": "phones",
    "TitleChanged": "title",
    "AccountChanged": "account_id",
    "DepartmentChanged": "department",
    "ConsentChanged": "do_not_contact",
    "ScoreChanged": "score",
    "PrimaryContactChanged": "primary_contact_id",
    "AmountChanged": "amount",
    "CloseDateChanged": "expected_close_date",
    "Rescheduled": "scheduled_at",
}
NOW = object()  # in ``FIXED``: the event's time
FIXED: dict[type, dict[str, Any]] = {
    event_class(Lead, "Captured"): {"status": NEW},
    event_class(Lead, "WorkingStarted"): {"status": WORKING},
    event_class(Lead, "Reopened"): {"status": WORKING},
    event_class(Lead, "Qualified"): {"status": QUALIFIED},
    event_class(Lead, "Disqualified"): {"status": DISQUALIFIED},
    event_class(Lead, "Converted"): {"status": CONVERTED},
    event_class(Opportunity, "Opened"): {"status": OPEN},
    event_class(Opportunity, "Reopened"): {"status": OPEN, "closed_at": None},
    event_class(Opportunity, "Won"): {
        **{"status": WON, "probability": 100, "forecast_category": "closed"},
        "closed_at": NOW,
    },
    event_class(Opportunity, "Lost"): {
        **{"status": LOST, "probability": 0, "forecast_category": "omitted"},
        "closed_at": NOW,
    },
    event_class(Activity, "Planned"): {"status": PLANNED},
    event_class(Activity, "Logged"): {"status": COMPLETED},
    event_class(Activity, "Completed"): {"status": COMPLETED},
    event_class(Activity, "Cancelled"): {"status": CANCELLED},
    Contact.Forgotten: {"do_not_contact": True},
}
CREATED = {event_class(Account, "Opened"), event_class(Contact, "Registered")}
CREATED |= {event_class(Lead, "Captured"), event_class(Opportunity, "Opened")}
CREATED |= {event_class(Activity, "Planned"), event_class(Activity, "Logged")}
_AGGREGATES: list[tuple[type[Aggregate], str]] = [
    (Account, "accounts"),
    (Contact, "contacts"),
    (Lead, "leads"),
    (Opportunity, "opportunities"),
    (Activity, "activities"),
]
TABLE_OF = {e: table for a, table in _AGGREGATES for e in events_of(a)}


_WANTED = {t: frozenset(columns) - {KEYS[t]} for t, columns in COLUMNS.items()}
_REWORKED = frozenset({"new", "to_stage", *RENAMED})  # fields values_of turns
_AS_IS = frozenset({str, int, bool, type(None), UUID, Decimal, date})  # stored


def values_of(table: str, event: Any) -> dict[str, Any]:
    """The columns of ``table`` an event sets."""
    fields: dict[str, Any] = vars(event)
    if _REWORKED.isdisjoint(fields):  # the common case: columns by name only
        wanted = _WANTED[table]
        values = {k: v for k, v in fields.items() if k in wanted}
    else:
        values = _reworked(table, event)
    fixed = FIXED.get(type(event))
    if fixed is None:
        return values
    return values | {k: event.timestamp if v is NOW else v for k, v in fixed.items()}


def _reworked(table: str, event: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(vars(event))
    new = fields.get("new")
    if isinstance(new, dict):
        fields |= new
    elif "new" in fields and type(event).__name__ in NEW_GOES_TO:
        fields[NEW_GOES_TO[type(event).__name__]] = new
    if "to_stage" in fields:
        fields["stage"] = fields["to_stage"]
    values: dict[str, Any] = {RENAMED.get(k, k): v for k, v in fields.items()}
    values = {k: v for k, v in values.items() if k in COLUMNS[table]}
    values.pop(KEYS[table], None)
    return values


def stored(value: Any) -> Any:
    """Times in UTC; sequences (emails, phones) as JSON arrays."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, tuple | list):
        return json.dumps(list(value))
    return value


def _words(column: str, value: Any) -> list[str]:
    if value is None:
        return []
    if column in ("emails", "phones"):
        return list(json.loads(value) if isinstance(value, str) else value)
    return [str(value)]


def derived(table: str, row: dict[str, Any]) -> dict[str, str]:
    """``search_text`` (and ``sort_name``) of a row with these values."""
    words = (w for c in SEARCHED[table] for w in _words(c, row.get(c)))
    found = {"search_text": " ".join(words).casefold()}
    if table in SORT_NAME:
        parts = (str(row[c]) for c in SORT_NAME[table] if row.get(c))
        found["sort_name"] = " ".join(parts).casefold()
    return found
