"""Lists and search: one row per account, contact, lead, opportunity and
activity, with the columns people filter and sort by.

What must hold:
- A row's ``version`` and ``updated_at`` are those of its record's last event.
  An event's fields named like a column set it (``new`` goes to the column
  of ``NEW_GOES_TO``; a ``new`` dict sets each of its keys); ``FIXED`` adds
  what an event implies (a won deal's status, probability and category).
- What a row says about other records stays current as they change: the
  ``company`` and ``territory`` of a contact, opportunity or activity are its
  account's; an activity's ``contact_name`` is its contact's.
- ``search_text`` and ``sort_name`` are computed in Python (case-folded)
  whenever a value they are made of changes: SQLite's ``lower`` knows ASCII
  only, so the stores' SQL would disagree. Times are stored in UTC, so on
  SQLite (text) they sort and compare as times.
Columns are documented in docs/read-models.md; ``select_page`` reads them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.account import Account
from domain.activity import CANCELLED, COMPLETED, PLANNED, Activity
from domain.contact import Contact
from domain.lead import CONVERTED, DISQUALIFIED, NEW, QUALIFIED, WORKING, Lead
from domain.opportunity import LOST, OPEN, WON, Opportunity
from projections.contact_history import event_class, events_of
from projections.view import Cursor, Step, Tables, View, handles

logger = logging.getLogger(__name__)

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


def values_of(table: str, event: Any) -> dict[str, Any]:
    """The columns of ``table`` an event sets."""
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
    fixed = FIXED.get(type(event), {})
    return values | {k: event.timestamp if v is NOW else v for k, v in fixed.items()}


def stored(value: Any) -> Any:
    """Times in UTC; sequences (emails, phones) as JSON arrays."""
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


def _customer(step: Step, values: dict[str, Any]) -> None:
    """An activity's contact name (and the contact's account, if it names no
    account); the company and territory of the account a row is at."""
    if "kind" in values and values.get("contact_id"):
        row = step.one(
            "SELECT given_name, family_name, account_id FROM {contacts}"
            " WHERE contact_id = %s",
            values["contact_id"],
        )
        values["contact_name"] = f"{row[0]} {row[1]}" if row else None
        if values.get("account_id") is None and row:
            values["account_id"] = row[2]
    if "account_id" in values:
        row = step.one(
            "SELECT name, territory FROM {accounts} WHERE account_id = %s",
            values["account_id"],
        )
        values["company"], values["territory"] = row or (None, None)


def refresh(step: Step, table: str, column: str, value: Any) -> None:
    """Recomputes ``search_text`` and ``sort_name`` where ``column = value``."""
    names = sorted(DERIVED_FROM[table])
    step.execute(
        f"SELECT {KEYS[table]}, {', '.join(names)} FROM {{{table}}}"
        f" WHERE {column} = %s",
        value,
    )
    for key, *row in step.cursor.fetchall():
        new = derived(table, dict(zip(names, row, strict=True)))
        sets = ", ".join(f"{c} = %s" for c in new)
        step.execute(
            f"UPDATE {{{table}}} SET {sets} WHERE {KEYS[table]} = %s",
            *new.values(),
            key,
        )


class Lists(View):
    name = "lists"
    tables: ClassVar[dict[str, str]] = TABLES
    indexes: ClassVar[dict[str, str]] = {
        "accounts_name": "{accounts} (sort_name, account_id)",
        "contacts_name": "{contacts} (sort_name, contact_id)",
        "contacts_account": "{contacts} (account_id)",
        "leads_created": "{leads} (created_at, lead_id)",
        "deals_close": "{opportunities} (expected_close_date, opportunity_id)",
        "deals_account": "{opportunities} (account_id)",
        "activities_at": "{activities} (scheduled_at, activity_id)",
        "activities_account": "{activities} (account_id)",
        "activities_contact": "{activities} (contact_id)",
    }

    def __init__(self) -> None:
        self.prepared: set[str] = set()

    def apply(self, step: Step, event: Any) -> bool:
        """Also prepares the search, once per set of tables it writes."""
        tables = step.tables.sql("{accounts}")
        if tables not in self.prepared:
            prepare_search(step)
            self.prepared.add(tables)
        return super().apply(step, event)

    @handles(*TABLE_OF)
    def record_event(self, step: Step, event: Any) -> None:
        table = TABLE_OF[type(event)]
        values = values_of(table, event)
        if table in AT_ACCOUNT and "account_id" in values:
            _customer(step, values)
        if type(event) in CREATED:
            self.insert(step, table, event, values)
        else:
            self.update(step, table, event, values)
            if table == "contacts" and "family_name" in values:
                self.contact_renamed(step, event.originator_id, values)
        if table == "accounts" and {"name", "territory"} & set(values):
            self.account_changed(step, event.originator_id, "name" in values)

    def insert(
        self, step: Step, table: str, event: Any, values: dict[str, Any]
    ) -> None:
        values = {
            KEYS[table]: event.originator_id,
            "version": event.originator_version,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
            **values,
        }
        values |= derived(table, values)
        step.execute(
            f"INSERT INTO {{{table}}} ({', '.join(values)})"
            f" VALUES ({', '.join(['%s'] * len(values))})"
            f" ON CONFLICT ({KEYS[table]}) DO NOTHING",
            *map(stored, values.values()),
        )

    def update(
        self, step: Step, table: str, event: Any, values: dict[str, Any]
    ) -> None:
        changed = DERIVED_FROM[table] & set(values)
        values = values | {
            "version": event.originator_version,
            "updated_at": event.timestamp,
        }
        step.execute(
            f"UPDATE {{{table}}} SET {', '.join(f'{c} = %s' for c in values)}"
            f" WHERE {KEYS[table]} = %s",
            *map(stored, values.values()),
            event.originator_id,
        )
        if changed:
            refresh(step, table, KEYS[table], event.originator_id)

    def contact_renamed(
        self, step: Step, contact_id: UUID, values: dict[str, Any]
    ) -> None:
        step.execute(
            "UPDATE {activities} SET contact_name = %s WHERE contact_id = %s",
            f"{values['given_name']} {values['family_name']}",
            contact_id,
        )
        refresh(step, "activities", "contact_id", contact_id)

    def account_changed(self, step: Step, account_id: UUID, named: bool) -> None:
        """Rows at the account take its name and territory (also when it is
        opened: a lead's conversion records its contact first); ``named``: the
        name, which they are searched by, changed."""
        row = step.one(
            "SELECT name, territory FROM {accounts} WHERE account_id = %s", account_id
        )
        for table in AT_ACCOUNT:
            step.execute(
                f"UPDATE {{{table}}} SET company = %s, territory = %s"
                " WHERE account_id = %s",
                *(row or (None, None)),
                account_id,
            )
            if named:
                refresh(step, table, "account_id", account_id)


# The search index on PostgreSQL ------------------------------------------

_TRGM = (
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
    " ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
)
_GIN = (
    "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " JOIN pg_am a ON a.oid = c.relam"
    " WHERE i.indrelid = CAST(%s AS regclass) AND a.amname = 'gin'"
)


def _attempt(step: Step, statement: str, *params: Any) -> list[Any] | None:
    """The rows of ``statement``, or None if it failed; a failure is rolled
    back to a savepoint, so the batch's transaction carries on."""
    step.cursor.execute("SAVEPOINT lists_search")
    try:
        step.execute(statement, *params)
        rows = step.cursor.fetchall() if statement.startswith("SELECT") else []
    except Exception as e:
        logger.debug("lists search: %s", e)
        step.cursor.execute("ROLLBACK TO SAVEPOINT lists_search")
        rows = None
    step.cursor.execute("RELEASE SAVEPOINT lists_search")
    return rows


def prepare_search(step: Step) -> None:
    """On PostgreSQL with ``pg_trgm`` (created here if missing and allowed): a
    trigram GIN index on each table's ``search_text``, which serves the
    ``LIKE`` of ``select_page``. Elsewhere nothing: the search scans."""
    found = _attempt(step, _TRGM)
    if found is None:
        return  # not PostgreSQL
    if not found:
        _attempt(step, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
        found = _attempt(step, _TRGM)
    if not found:
        logger.info("pg_trgm cannot be created: the lists search scans")
        return
    opclass = '"{}".gin_trgm_ops'.format(found[0][0].replace('"', '""'))
    for table in SEARCHED:
        if not _attempt(step, _GIN, step.tables.sql(f"{{{table}}}")):
            create = f"CREATE INDEX ON {{{table}}} USING gin (search_text {opclass})"
            if _attempt(step, create) is None:
                logger.warning("lists search: no trigram index on %s", table)


# Reading a page ----------------------------------------------------------

SORTS = {
    "accounts": ("name", "created_at", "updated_at"),
    "contacts": ("name", "created_at", "updated_at"),
    "leads": ("name", "created_at", "updated_at", "score"),
    "opportunities": ("name", "created_at", "updated_at", "amount"),
    "activities": ("scheduled_at", "completed_at", "created_at", "updated_at"),
}
SORTS["opportunities"] += ("expected_close_date",)
NULLABLE = frozenset({"scheduled_at", "completed_at"})  # nulls come last


def _filters(*equal: str, **ranges: str) -> dict[str, str]:
    """``name = %s`` per name; ``<prefix>_since`` (inclusive) and
    ``<prefix>_until`` (exclusive) per range, on created and updated too."""
    found = {name: f"{name} = %s" for name in ("owner_id", *equal)}
    ranges = {"created": "created_at", "updated": "updated_at", **ranges}
    for prefix, column in ranges.items():
        found[f"{prefix}_since"] = f"{column} >= %s"
        found[f"{prefix}_until"] = f"{column} < %s"
    return found


_AT_ = ("territory", "account_id")
FILTERS = {
    "accounts": _filters("territory", "status", "industry"),
    "contacts": _filters(*_AT_, "department", "do_not_contact"),
    "leads": _filters("status", "source"),
    "opportunities": _filters(
        *_AT_, "status", "stage", "pipeline_id", closes="expected_close_date"
    ),
    "activities": _filters(
        *(*_AT_, "contact_id", "status", "kind", "purpose", "department"),
        scheduled="scheduled_at",
        completed="completed_at",
    ),
}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    after: tuple[Any, Any] | None  # sort value and id of the last row, if more


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _keyset(column: str, key: str, down: bool, after: tuple[Any, Any]) -> Any:
    """Rows after ``after`` in the order (nulls last, column, key)."""
    value, last = after
    op = "<" if down else ">"
    if value is None:
        return f"({column} IS NULL AND {key} {op} %s)", [last]
    clause = f"({column}, {key}) {op} (%s, %s)"
    if column in NULLABLE:
        clause = f"{column} IS NULL OR {clause}"
    return f"({clause})", [value, last]


def select_page(
    cursor: Cursor,
    tables: Tables,
    table: str,
    *,
    sort: str,
    after: tuple[Any, Any] | None = None,
    limit: int = 50,
    search: str | None = None,
    **filters: Any,
) -> Page:
    """A page of ``table`` in ``sort`` order (``-name``: descending; ties by
    id) after the row ``after``, narrowed by ``FILTERS`` and by each word of
    ``search`` (each must occur in ``search_text``)."""
    down, name = sort.startswith("-"), sort.lstrip("-")
    assert name in SORTS[table]
    column, key = "sort_name" if name == "name" else name, KEYS[table]
    where, params = ["1 = 1"], []
    for filter_name, value in filters.items():
        if value is not None:
            where.append(FILTERS[table][filter_name])
            params.append(stored(value))
    for term in (search or "").casefold().split():
        where.append("search_text LIKE %s ESCAPE '\\'")
        params.append(_like(term))
    if after is not None:
        clause, more = _keyset(column, key, down, after)
        where.append(clause)
        params += more
    direction = " DESC" if down else ""
    order = f"{column}{direction}, {key}{direction}"
    if column in NULLABLE:
        order = f"({column} IS NULL), {order}"
    shown = [c for c in COLUMNS[table] if c not in ("search_text", "sort_name")]
    cursor.execute(
        tables.sql(
            f"SELECT {', '.join(shown)}, {column} FROM {{{table}}}"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
        ),
        [*params, limit + 1],
    )
    rows = cursor.fetchall()
    last = rows[limit - 1] if len(rows) > limit else None
    return Page(
        [dict(zip(shown, row, strict=False)) for row in rows[:limit]],
        (last[-1], last[0]) if last else None,
    )
