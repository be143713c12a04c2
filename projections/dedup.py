"""Dedup view: likely duplicate contacts and accounts, found as they arrive.

For every contact and account registered or changed, on whatever path its
event came (API, lead conversion, import, Kafka: all are events), the view
keeps the values the rules compare (``records``) and the record's blocking
keys (``keys``), finds the records sharing a key, scores each candidate
(``projections.dedup_rules``) and stores the pairs with their explanation
(``pairs``, both directions). A merged record is an alias: it has no keys
and no pairs until it is unmerged. Pairs marked "not a duplicate"
(``dismissed``) are never proposed again.

What must hold: ``apply`` reads only the event and the view's own tables,
so a rebuild from position 0 gives the same rows. Personal values (names,
emails, phones, addresses) are kept only in ``records`` and ``keys`` (and
in ``pairs.explanation``, which quotes a shared email or phone): deleting a
person's rows there forgets them. Columns: docs/read-models.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from domain.account import Account
from domain.contact import Contact
from domain.personal import ERASED_FIELD
from projections.dedup_query import (
    RECORD_COLUMNS,
    Read,
    features,
    probe,
    row_dict,
)
from projections.dedup_rules import (
    Organisation,
    organisation_keys,
    person_keys,
)
from projections.events import event_class
from projections.view import Step, View, handles

# columns each change event sets: column <- event attribute
CHANGES: dict[type, dict[str, str]] = {
    event_class(Contact, "Renamed"): {
        "given_name": "given_name",
        "family_name": "family_name",
    },
    event_class(Contact, "EmailsChanged"): {"emails": "new"},
    event_class(Contact, "PhonesChanged"): {"phones": "new"},
    event_class(Contact, "AccountChanged"): {"account_id": "new"},
    event_class(Contact, "AddressChanged"): {"address": "new"},
    event_class(Account, "Renamed"): {"name": "new"},
    event_class(Account, "WebDomainChanged"): {"web_domain": "new"},
}
MERGES = (
    event_class(Contact, "Merged"),
    event_class(Contact, "Unmerged"),
    event_class(Account, "Merged"),
    event_class(Account, "Unmerged"),
)
DISMISSALS = (
    event_class(Contact, "NotDuplicateMarked"),
    event_class(Account, "NotDuplicateMarked"),
)


def stored(column: str, value: Any) -> Any:
    """An event's value as the ``records`` column keeps it."""
    if column in ("emails", "phones"):
        return "\n".join(value or ()) or None
    if column == "address":
        return json.dumps(value, sort_keys=True) if value else None
    return value


def keys_of(row: dict[str, Any]) -> list[str]:
    record = features(row)
    if isinstance(record, Organisation):
        return organisation_keys(record)
    return person_keys(record)


class Dedup(View):
    name = "dedup"
    tables: ClassVar[dict[str, str]] = {
        "records": (
            "record_id UUID PRIMARY KEY, record_type TEXT NOT NULL,"
            " given_name TEXT, family_name TEXT, name TEXT, emails TEXT,"
            " phones TEXT, address TEXT, web_domain TEXT, account_id UUID,"
            " merged_into UUID"
        ),
        "keys": "key TEXT NOT NULL, record_id UUID NOT NULL,"
        " PRIMARY KEY (key, record_id)",
        "pairs": (
            "record_id UUID NOT NULL, other_id UUID NOT NULL,"
            " record_type TEXT NOT NULL, score NUMERIC NOT NULL,"
            " explanation TEXT NOT NULL, position BIGINT NOT NULL,"
            " PRIMARY KEY (record_id, other_id)"
        ),
        "dismissed": (
            "record_id UUID NOT NULL, other_id UUID NOT NULL,"
            " reason TEXT, position BIGINT NOT NULL, PRIMARY KEY (record_id, other_id)"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "keys_by_record": "{keys} (record_id)",
        "pairs_by_other": "{pairs} (other_id)",
        "pairs_by_score": "{pairs} (record_type, score)",
    }

    def __init__(self, floor: float = 0.2) -> None:
        self.floor = floor  # pairs scoring below this are not stored

    @handles(event_class(Contact, "Registered"))
    def contact_registered(self, step: Step, event: Any) -> None:
        if getattr(event, ERASED_FIELD, None):
            return  # a forgotten person: nothing of theirs is kept here
        row = {
            "record_id": event.originator_id,
            "record_type": "contact",
            "given_name": event.given_name,
            "family_name": event.family_name,
            "name": None,
            "emails": stored("emails", event.emails),
            "phones": stored("phones", event.phones),
            "address": None,
            "web_domain": None,
            "account_id": event.account_id,
            "merged_into": None,
        }
        self.store(step, row, old=None)

    @handles(event_class(Account, "Opened"))
    def account_opened(self, step: Step, event: Any) -> None:
        row = dict.fromkeys(c.strip() for c in RECORD_COLUMNS.split(","))
        row |= {
            "record_id": event.originator_id,
            "record_type": "account",
            "name": event.name,
            "web_domain": event.web_domain,
        }
        self.store(step, row, old=None)

    @handles(*CHANGES)
    def changed(self, step: Step, event: Any) -> None:
        old = self.row(step, event.originator_id)
        if old is None or getattr(event, ERASED_FIELD, None):
            return
        sets = {
            c: stored(c, getattr(event, a)) for c, a in CHANGES[type(event)].items()
        }
        self.store(step, old | sets, old)

    @handles(*MERGES)
    def merged(self, step: Step, event: Any) -> None:
        old = self.row(step, event.originator_id)
        if old is None or getattr(event, ERASED_FIELD, None):
            return
        row = dict(old)
        if event.originator_id == event.duplicate_id:
            undone = type(event).__name__ == "Unmerged"
            row["merged_into"] = None if undone else event.survivor_id
        else:
            changes = getattr(event, "changes", None)
            if changes is None:
                changes = event.restored
            for column, (_old, new) in changes.items():
                if column in row and column not in ("record_id", "merged_into"):
                    row[column] = stored(column, new)
        self.store(step, row, old)

    @handles(*DISMISSALS)
    def dismissed(self, step: Step, event: Any) -> None:
        me, other = event.originator_id, event.other_id
        step.execute(
            "INSERT INTO {dismissed} VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (record_id, other_id) DO NOTHING",
            me,
            other,
            event.reason,
            step.position,
        )
        for a, b in ((me, other), (other, me)):
            step.execute(
                "DELETE FROM {pairs} WHERE record_id = %s AND other_id = %s", a, b
            )

    @staticmethod
    def reads(step: Step) -> Read:
        """Reads through the batch: its pending writes go in the same trip."""

        def read(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            step.batch.read(sql, params)
            return step.batch.cursor.fetchall()

        return read

    def row(self, step: Step, record_id: UUID) -> dict[str, Any] | None:
        found = step.lookup(
            ("records", record_id),
            f"SELECT {RECORD_COLUMNS} FROM {{records}} WHERE record_id = %s",
            record_id,
        )
        return row_dict(found) if found else None

    def store(
        self, step: Step, row: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        """Writes the row, its keys and its pairs anew."""
        values = tuple(row.values())
        columns = ", ".join(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in row if c != "record_id")
        step.execute(
            f"INSERT INTO {{records}} ({columns}) VALUES"
            f" ({', '.join(['%s'] * len(row))})"
            f" ON CONFLICT (record_id) DO UPDATE SET {updates}",
            *values,
        )
        step.remember(("records", row["record_id"]), values)
        record_id = row["record_id"]
        if old is not None:
            self.unlink(step, record_id)
        if row["merged_into"] is None:
            self.link(step, row, step.position)

    @handles(event_class(Contact, "Forgotten"))
    def forgotten(self, step: Step, event: Any) -> None:
        self.forget(step, event.originator_id)

    def forget(self, step: Step, record_id: UUID) -> None:
        """Deletes every row that holds or quotes the record's personal
        values (for a handler of a contact's erasure, e.g. crypto-shredding):
        its row, keys, pairs and marks, both directions."""
        self.unlink(step, record_id)
        step.execute("DELETE FROM {records} WHERE record_id = %s", record_id)
        step.forget(("records", record_id))
        for column in ("record_id", "other_id"):
            step.execute(f"DELETE FROM {{dismissed}} WHERE {column} = %s", record_id)

    @staticmethod
    def unlink(step: Step, record_id: UUID) -> None:
        step.execute("DELETE FROM {keys} WHERE record_id = %s", record_id)
        step.execute(
            "DELETE FROM {pairs} WHERE record_id = %s OR other_id = %s",
            record_id,
            record_id,
        )

    def link(self, step: Step, row: dict[str, Any], position: int) -> None:
        """Stores the record's keys and its pairs with the records sharing a
        key, each in one statement (rows listed in ``VALUES``)."""
        record_id, keys = row["record_id"], keys_of(row)
        if not keys:
            return
        scored = probe(self.reads(step), step.tables, features(row), keys, record_id)
        step.execute(
            f"INSERT INTO {{keys}} VALUES {', '.join(['(%s, %s)'] * len(keys))}",
            *[value for key in keys for value in (key, record_id)],
        )
        values: list[Any] = []
        for other_id, score, why in scored:
            if score < self.floor:
                continue
            explanation = json.dumps(why, sort_keys=True)
            for a, b in ((record_id, other_id), (other_id, record_id)):
                values += [a, b, row["record_type"], score, explanation, position]
        if values:
            rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * (len(values) // 6))
            step.execute(
                f"INSERT INTO {{pairs}} VALUES {rows}"
                " ON CONFLICT (record_id, other_id) DO UPDATE SET"
                " score = excluded.score, explanation = excluded.explanation,"
                " position = excluded.position",
                *values,
            )
