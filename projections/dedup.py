"""Dedup view: likely duplicate contacts and accounts, found as they arrive.

For every contact and account registered or changed, on whatever path its
event came (API, lead conversion, import, Kafka: all are events), the view
keeps the values the rules compare (``records``) and the record's blocking
keys (``keys``, each row with what a candidate is compared by), finds the
records sharing a key (in one read, or in the batch's ``Blocks`` read before
it started), scores the candidates together (``projections.dedup_bulk``),
explains those at or above the floor (``projections.dedup_rules``) and
stores the pairs with their explanation (``pairs``, both directions). A
merged record is an alias: it has no keys and no pairs until it is
unmerged. Pairs marked "not a duplicate" (``dismissed``) are never proposed
again.

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

from domain.contact import Contact
from domain.personal import ERASED_FIELD
from projections.dedup_blocks import Blocks
from projections.dedup_bulk import compact
from projections.dedup_query import (
    RECORD_COLUMNS,
    Read,
    candidates_sql,
    features,
    row_dict,
    score_candidates,
)
from projections.dedup_rows import (
    CHANGES,
    DISMISSALS,
    MERGES,
    OPENED,
    REGISTERED,
    candidate,
    keys_for,
    keys_of,
    opened,
    registered,
    stored,
    with_change,
)
from projections.events import event_class
from projections.view import Step, View, handles


class Dedup(View):
    name = "dedup_v2"  # v2: keys carry the candidate columns
    tables: ClassVar[dict[str, str]] = {
        "records": (
            "record_id UUID PRIMARY KEY, record_type TEXT NOT NULL,"
            " given_name TEXT, family_name TEXT, name TEXT, emails TEXT,"
            " phones TEXT, address TEXT, web_domain TEXT, account_id UUID,"
            " merged_into UUID"
        ),
        "keys": (
            "key TEXT NOT NULL, record_id UUID NOT NULL, record_type TEXT NOT NULL,"
            " compared TEXT NOT NULL, emails TEXT, phones TEXT, web_domain TEXT,"
            " account_id UUID, PRIMARY KEY (key, record_id)"
        ),
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

    @handles(REGISTERED)
    def contact_registered(self, step: Step, event: Any) -> None:
        if getattr(event, ERASED_FIELD, None):
            return  # a forgotten person: nothing of theirs is kept here
        self.store(step, registered(event), old=None)

    @handles(OPENED)
    def account_opened(self, step: Step, event: Any) -> None:
        self.store(step, opened(event), old=None)

    def prefetch(self, step: Step, events: Sequence[Any]) -> None:
        """Reads the blocks the batch's new and changed records will look
        in, and the records changed, in a few queries (``Blocks``)."""
        Blocks.reset(step)
        mine = [e for e in events if self.handles(type(e))]
        changes = [e.originator_id for e in mine if type(e) in (*CHANGES, *MERGES)]
        step.preload(
            "records",
            f"SELECT record_id, {RECORD_COLUMNS} FROM {{records}}"
            " WHERE record_id IN (%s)",
            changes,
        )
        keys: set[str] = set()
        for event in mine:
            if getattr(event, ERASED_FIELD, None):
                continue
            if type(event) is REGISTERED:
                keys.update(keys_of(registered(event)))
            elif type(event) is OPENED:
                keys.update(keys_of(opened(event)))
            elif type(event) in CHANGES:
                old = self.row(step, event.originator_id)
                keys.update(keys_of(with_change(old, event)) if old else ())
        ids = sorted({str(e.originator_id) for e in mine})
        Blocks.of(step).load(self.reads(step), step.tables, sorted(keys), ids)

    @handles(*CHANGES)
    def changed(self, step: Step, event: Any) -> None:
        old = self.row(step, event.originator_id)
        if old is None or getattr(event, ERASED_FIELD, None):
            return
        self.store(step, with_change(old, event), old)

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
        Blocks.of(step).dismiss(str(me), str(other))
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
            held = keys_of(old) if old["merged_into"] is None else []
            self.unlink(step, record_id, held)
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
        Blocks.reset(step)
        step.execute("DELETE FROM {records} WHERE record_id = %s", record_id)
        step.forget(("records", record_id))
        for column in ("record_id", "other_id"):
            step.execute(f"DELETE FROM {{dismissed}} WHERE {column} = %s", record_id)

    @staticmethod
    def unlink(step: Step, record_id: UUID, held: list[str] | None = None) -> None:
        """Deletes the record's keys (``held``: which, if known) and pairs."""
        if held is None:
            Blocks.reset(step)
        else:
            Blocks.of(step).unlinked(str(record_id), held)
        step.execute("DELETE FROM {keys} WHERE record_id = %s", record_id)
        step.execute(
            "DELETE FROM {pairs} WHERE record_id = %s OR other_id = %s",
            record_id,
            record_id,
        )

    def link(self, step: Step, row: dict[str, Any], position: int) -> None:
        """Stores the record's keys and its pairs with the records sharing a
        key (found in the batch's ``Blocks`` if known there, else read)."""
        record = features(row)
        record_id, keys = row["record_id"], keys_for(record)
        if not keys:
            return
        me, blocks = str(record_id), Blocks.of(step)
        rows = blocks.rows(keys, me)
        if rows is None:  # not known in memory: read (writes sent first)
            sql = candidates_sql(step.tables, len(keys))
            rows = self.reads(step)(sql, [me, *keys])
            blocks.learn(keys, rows)
        scored = score_candidates(record, rows, record_id, self.floor)
        found = candidate(row, compact(record))
        blocks.linked(me, keys, found)
        for key in keys:  # one row each: the batch sends a page's rows together
            step.execute(
                "INSERT INTO {keys} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                key,
                record_id,
                *found,
            )
        values: list[Any] = []
        for other_id, score, why in scored:
            if score < self.floor:
                continue
            explanation = json.dumps(why, sort_keys=True)
            for a, b in ((record_id, other_id), (other_id, record_id)):
                values += [a, b, row["record_type"], score, explanation, position]
        if values:
            pairs = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * (len(values) // 6))
            step.execute(
                f"INSERT INTO {{pairs}} VALUES {pairs}"
                " ON CONFLICT (record_id, other_id) DO UPDATE SET"
                " score = excluded.score, explanation = excluded.explanation,"
                " position = excluded.position",
                *values,
            )
