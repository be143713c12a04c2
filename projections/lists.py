"""Lists and search: one row per account, contact, lead, opportunity and
activity, with the columns people filter and sort by.

What must hold:
- A row's ``version`` and ``updated_at`` are those of its record's last event
  (the values each event sets: ``lists_rows``).
- What a row says about other records stays current as they change: the
  ``company`` and ``territory`` of a contact, opportunity or activity are its
  account's; an activity's ``contact_name`` is its contact's.
- On PostgreSQL each table's ``search_text`` has a trigram index whenever
  ``pg_trgm`` is there or can be created (``setup``: for live and rebuilt
  tables alike); without it the search scans.
Columns are documented in docs/read-models.md; ``lists_query`` reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from domain.contact import Contact
from domain.lead import Lead
from domain.personal import ERASED
from projections.lists_rows import (
    AT_ACCOUNT,
    CACHED,
    CREATED,
    DERIVED_FROM,
    KEYS,
    SEARCHED,
    TABLE_OF,
    TABLES,
    derived,
    stored,
    values_of,
)
from projections.view import Step, View, handles


def _customer(step: Step, values: dict[str, Any]) -> None:
    """An activity's contact name (and the contact's account, if it names no
    account); the company and territory of the account a row is at."""
    if "kind" in values and values.get("contact_id"):
        row = known(step, "contacts", values["contact_id"])
        values["contact_name"] = (
            f"{row['given_name']} {row['family_name']}" if row else None
        )
        if values.get("account_id") is None and row:
            values["account_id"] = row["account_id"]
    if "account_id" in values:
        account = known(step, "accounts", values["account_id"])
        values["company"], values["territory"] = (
            (account["name"], account["territory"]) if account else (None, None)
        )


_LEAD_PERSONAL = ("given_name", "family_name", "email", "phone", "title")


def _erase(step: Step, table: str, columns: tuple[str, ...], of: Any) -> None:
    """Present (non-empty) texts of ``columns`` become ``ERASED``."""
    record_id = getattr(of, "originator_id", of)
    sets = ", ".join(
        f"{c} = CASE WHEN {c} IS NULL OR {c} = '' THEN {c} ELSE %s END" for c in columns
    )
    step.execute(
        f"UPDATE {{{table}}} SET {sets} WHERE {KEYS[table]} = %s",
        *[ERASED] * len(columns),
        record_id,
    )


def _key(table: str, record_id: Any) -> tuple[str, str, str]:
    """The batch cache's key of a row (ids as text: stores return either)."""
    return ("lists", table, str(record_id))


def known(step: Step, table: str, record_id: Any) -> dict[str, Any] | None:
    """The ``CACHED`` columns of a row: as this batch wrote them, else read."""
    if record_id is None:
        return None
    row = step.lookup(
        _key(table, record_id),
        f"SELECT {', '.join(CACHED[table])} FROM {{{table}}} WHERE {KEYS[table]} = %s",
        record_id,
    )
    return None if row is None else dict(zip(CACHED[table], row, strict=True))


def keep(step: Step, table: str, record_id: Any, row: dict[str, Any]) -> None:
    """Caches a row's ``CACHED`` columns as the database now has them."""
    cached = tuple(stored(row.get(c)) for c in CACHED[table])
    step.remember(_key(table, record_id), cached)


def rederive(step: Step, table: str, record_id: Any, row: dict[str, Any]) -> None:
    """Writes ``search_text`` and ``sort_name`` of a row with these values."""
    new = derived(table, row)
    sets = ", ".join(f"{c} = %s" for c in new)
    step.execute(
        f"UPDATE {{{table}}} SET {sets} WHERE {KEYS[table]} = %s",
        *new.values(),
        record_id,
    )
    keep(step, table, record_id, row | new)


def refresh(step: Step, table: str, column: str, value: Any) -> None:
    """Recomputes ``search_text`` and ``sort_name`` where ``column = value``
    (every such row is read, so each is cached again as it now is)."""
    step.execute(
        f"SELECT {KEYS[table]}, {', '.join(CACHED[table])} FROM {{{table}}}"
        f" WHERE {column} = %s",
        value,
    )
    for key, *row in step.cursor.fetchall():
        rederive(step, table, key, dict(zip(CACHED[table], row, strict=True)))


def _at(table: str) -> str:
    """The batch cache's name for "rows of ``table`` at an account exist"."""
    return f"lists.at.{table}"


def mark_at(step: Step, table: str, values: dict[str, Any]) -> None:
    """A row of ``table`` now names ``values``' account (if any)."""
    if table in AT_ACCOUNT and values.get("account_id") is not None:
        step.remember((_at(table), str(values["account_id"])), (True,))


def may_have_rows(step: Step, table: str, account_id: Any) -> bool:
    """False only if ``table`` had no row at the account when the batch
    began (``Lists.prefetch`` asked) and the batch wrote none there since."""
    key = (_at(table), str(account_id))
    return not step.knows(key) or step.cached(key) is not None


# The search index on PostgreSQL: pg_trgm may live in any schema, so its
# operator class is named with that schema; a table with a GIN index already
# (a rebuilt table swapped in keeps its own) gets no second one.
CREATE_TRGM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
_TRIGRAM_INDEX = """DO $setup$ DECLARE ops text := (
 SELECT format('%I.gin_trgm_ops', n.nspname) FROM pg_extension e
 JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
BEGIN
 IF ops IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
  WHERE i.indrelid = CAST($name${table}$name$ AS regclass) AND a.amname = 'gin')
 THEN EXECUTE format('CREATE INDEX ON %s USING gin (search_text %s)',
  $name${table}$name$, ops);
 END IF;
END $setup$"""


def trigram_index(table: str) -> str:
    """DDL giving ``table``'s ``search_text`` a trigram GIN index, if
    ``pg_trgm`` is installed and the table has no GIN index yet."""
    return _TRIGRAM_INDEX.format(table=f"{{{table}}}")


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
    query_indexes: ClassVar[frozenset[str]] = frozenset(
        (
            "accounts_name",
            "contacts_name",
            "leads_created",
            "deals_close",
            "activities_at",
        )
    )

    @classmethod
    def setup(cls, store_kind: str) -> list[str]:
        """On PostgreSQL: ``pg_trgm`` (created if missing and allowed; if not,
        the store logs it and the search scans) and the trigram indexes."""
        if store_kind != "postgres":
            return []
        return [CREATE_TRGM, *map(trigram_index, SEARCHED)]

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """Which tables have rows at the accounts the batch changes: a change
        of an account's name rewrites their search text, and most accounts
        (new ones) have none yet. One query per table, not one per change."""
        accounts = {
            str(event.originator_id)
            for event in events
            if TABLE_OF.get(type(event)) == "accounts"
        }
        for table in AT_ACCOUNT:
            step.preload(
                _at(table),
                f"SELECT DISTINCT account_id, 1 FROM {{{table}}}"
                " WHERE account_id IN (%s)",
                accounts,
            )

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
            if isinstance(event, Contact.Forgotten):
                self.forgotten(step, event)
            elif isinstance(event, Lead.Forgotten):
                self.lead_forgotten(step, event.originator_id)
        mark_at(step, table, values)
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
        keep(step, table, event.originator_id, values)  # a creation: a new row

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
        cached = step.cached(_key(table, event.originator_id))
        if cached is not None:
            old = dict(zip(CACHED[table], cached, strict=True))
            keep(step, table, event.originator_id, old | values)
        row = known(step, table, event.originator_id) if changed else None
        if row is not None:
            rederive(step, table, event.originator_id, row)

    def contact_renamed(
        self, step: Step, contact_id: UUID, values: dict[str, Any]
    ) -> None:
        step.execute(
            "UPDATE {activities} SET contact_name = %s WHERE contact_id = %s",
            f"{values['given_name']} {values['family_name']}",
            contact_id,
        )
        refresh(step, "activities", "contact_id", contact_id)

    def forgotten(self, step: Step, event: Any) -> None:
        """The contact's and its leads' personal columns read as they would
        after a rebuild from the erased events: present texts ``ERASED``,
        emails and phones ``[]``; search text and sort names follow."""
        erased = {"given_name": ERASED, "family_name": ERASED}
        _erase(step, "contacts", ("given_name", "family_name", "title"), event)
        step.execute(
            "UPDATE {contacts} SET emails = '[]', phones = '[]' WHERE contact_id = %s",
            event.originator_id,
        )
        refresh(step, "contacts", "contact_id", event.originator_id)
        self.contact_renamed(step, event.originator_id, erased)
        for lead_id in event.lead_ids:
            self.lead_forgotten(step, lead_id)

    @staticmethod
    def lead_forgotten(step: Step, lead_id: UUID) -> None:
        _erase(step, "leads", _LEAD_PERSONAL, lead_id)
        refresh(step, "leads", "lead_id", lead_id)

    def account_changed(self, step: Step, account_id: UUID, named: bool) -> None:
        """Rows at the account take its name and territory (also when it is
        opened: a lead's conversion records its contact first); ``named``: the
        name, which they are searched by, changed."""
        row = known(step, "accounts", account_id)
        at = (row["name"], row["territory"]) if row else (None, None)
        for table in AT_ACCOUNT:
            step.execute(
                f"UPDATE {{{table}}} SET company = %s, territory = %s"
                " WHERE account_id = %s",
                *at,
                account_id,
            )
            if named and may_have_rows(step, table, account_id):
                refresh(step, table, "account_id", account_id)
