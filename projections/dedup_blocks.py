"""The blocks of a batch of the dedup view, kept in memory (``Blocks``): the
candidates of every record the batch registers or changes are read in a few
queries before it starts (``Dedup.prefetch``), then kept as the view writes
its keys, so each event finds its candidates without a round trip.

What must hold: ``Blocks.rows(keys, me)`` is what ``candidates_sql`` would
read at that moment (the same rows, in any order), or ``None`` when the
batch does not know (the view then reads the database, its writes sent
first). So a block is kept only while it is exactly known: the lowest
``BLOCK_CAP`` ids holding the key, or all of them if fewer. A record leaving
a full block makes it unknown (the next id is not in memory)."""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from typing import Any

from projections.dedup_query import BLOCK_CAP, CANDIDATE_COLUMNS, KEY_COLUMNS, Read
from projections.view import Step, Tables

CHUNK = 500  # keys or ids per query
_CACHE_KEY = "dedup.blocks"


def block_rows_sql(tables: Tables, count: int) -> str:
    """``candidates_sql`` without the mark "not a duplicate" (per record)."""
    wanted = ", ".join(["%s"] * count)
    return tables.sql(
        f"SELECT key, CAST(record_id AS TEXT), {CANDIDATE_COLUMNS} FROM (SELECT"
        f" {KEY_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY key ORDER BY record_id)"
        f" AS n FROM {{keys}} WHERE key IN ({wanted})) b WHERE n <= {BLOCK_CAP}"
    )


def dismissed_sql(tables: Tables, count: int) -> str:
    wanted = ", ".join(["%s"] * count)
    return tables.sql(
        "SELECT CAST(record_id AS TEXT), CAST(other_id AS TEXT) FROM {dismissed}"
        f" WHERE record_id IN ({wanted})"
    )


class Blocks:
    def __init__(self) -> None:
        self.members: dict[str, list[str]] = {}  # key -> its lowest ids, sorted
        self.records: dict[str, tuple[Any, ...]] = {}  # id -> CANDIDATE_COLUMNS
        self.dismissed: dict[str, set[str]] = {}  # id -> marked not its duplicate

    @classmethod
    def of(cls, step: Step) -> Blocks:
        """The batch's blocks (none known at first)."""
        found = step.batch.cache.get(_CACHE_KEY)
        if not isinstance(found, Blocks):
            found = step.batch.cache[_CACHE_KEY] = Blocks()
        return found

    @staticmethod
    def reset(step: Step) -> None:
        step.batch.cache.pop(_CACHE_KEY, None)

    def load(self, read: Read, tables: Tables, keys: list[str], ids: list[str]) -> None:
        """Reads the blocks of ``keys`` and the marks of the records ``ids``."""
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            self.learn(chunk, read(block_rows_sql(tables, len(chunk)), chunk))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for me in chunk:
                self.dismissed.setdefault(me, set())
            for me, other in read(dismissed_sql(tables, len(chunk)), chunk):
                self.dismissed[me].add(other)

    def learn(self, keys: Iterable[str], rows: list[tuple[Any, ...]]) -> None:
        """Keeps the blocks of ``keys`` from rows (key, id, candidate columns
        ... last) read just now: ``block_rows_sql`` or ``candidates_sql``."""
        width = len(CANDIDATE_COLUMNS.split(","))
        found: dict[str, list[str]] = {key: [] for key in keys}
        for row in rows:
            found[row[0]].append(row[1])
            self.records[row[1]] = tuple(row[-width:])
        for key, ids in found.items():
            self.members[key] = sorted(set(ids))

    def rows(self, keys: list[str], me: str) -> list[tuple[Any, ...]] | None:
        """``candidates_sql``'s rows for ``me`` and ``keys``, or ``None``."""
        marked = self.dismissed.get(me)
        if marked is None:
            return None
        found = []
        for key in keys:
            ids = self.members.get(key)
            if ids is None:
                return None
            for other in ids:
                record = self.records.get(other)
                if record is None:
                    return None
                found.append((key, other, other in marked, *record))
        return found

    def linked(self, record_id: str, keys: list[str], record: tuple[Any, ...]) -> None:
        """The record now holds ``keys``; ``record``: its candidate columns."""
        self.records[record_id] = record
        for key in keys:
            ids = self.members.get(key)
            if ids is not None:
                insort(ids, record_id)
                if len(ids) > BLOCK_CAP:
                    ids.pop()

    def unlinked(self, record_id: str, keys: list[str]) -> None:
        """The record no longer holds ``keys`` (all it held)."""
        self.records.pop(record_id, None)
        for key in keys:
            ids = self.members.get(key)
            if ids is not None and record_id in ids:
                if len(ids) >= BLOCK_CAP:
                    del self.members[key]  # the next id is not known
                else:
                    ids.remove(record_id)

    def dismiss(self, me: str, other: str) -> None:
        marked = self.dismissed.get(me)
        if marked is not None:
            marked.add(other)
