"""Reading the dedup view: candidates of a record (through its blocking
keys), scored pairs, one record's likely duplicates.

Shared by the view (which stores the pairs it scores) and by reads that
score a record not stored (a lead just captured)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from uuid import UUID

from projections.dedup_rules import (
    Explanation,
    Organisation,
    Person,
    score_organisations,
    score_people,
)
from projections.view import Cursor, Tables

BLOCK_CAP = 100  # candidates taken from one blocking key at most
RECORD_COLUMNS = (
    "record_id, record_type, given_name, family_name, name, emails, phones,"
    " address, web_domain, account_id, merged_into"
)


def row_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    names = [c.strip() for c in RECORD_COLUMNS.split(",")]
    return dict(zip(names, row, strict=True))


def split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def features(row: dict[str, Any]) -> Person | Organisation:
    """What the rules compare, from a stored row of ``records``."""
    if row["record_type"] == "account":
        return Organisation.of(row["name"], row["web_domain"])
    address = json.loads(row["address"]) if row["address"] else None
    return Person.of(
        row["given_name"],
        row["family_name"],
        split(row["emails"]),
        split(row["phones"]),
        address,
        row["account_id"],
    )


def candidates_sql(tables: Tables, count: int) -> str:
    """Records sharing one of ``count`` keys (at most ``BLOCK_CAP`` each),
    not the record itself nor one marked not a duplicate of it. Parameters:
    each key, then the record's id twice. Rows: the key, then the record."""
    block = (
        "SELECT * FROM (SELECT key, record_id FROM {keys} WHERE key = %s"
        f" ORDER BY record_id LIMIT {BLOCK_CAP}) b{{n}}"
    )
    union = " UNION ALL ".join(block.replace("{n}", str(n)) for n in range(count))
    columns = ", ".join(f"r.{c.strip()}" for c in RECORD_COLUMNS.split(","))
    return tables.sql(
        f"SELECT b.key, {columns} FROM ({union}) b"
        " JOIN {records} r ON r.record_id = b.record_id WHERE r.record_id <> %s"
        " AND NOT EXISTS (SELECT 1 FROM {dismissed} d WHERE d.record_id = %s"
        " AND d.other_id = r.record_id)"
    )


Scored = list[tuple[UUID, float, Explanation]]


def score_candidates(
    record: Person | Organisation, rows: list[tuple[Any, ...]]
) -> Scored:
    """Each candidate once, with its score and explanation, best first."""
    sharers = Counter(key.partition("p:")[2] for key, *_ in rows if "|p:" in key)
    seen: dict[Any, dict[str, Any]] = {}
    for _key, *values in rows:
        seen.setdefault(values[0], row_dict(tuple(values)))
    found: Scored = []
    for other_id, row in seen.items():
        other = features(row)
        if isinstance(record, Person) and isinstance(other, Person):
            counts = {phone: n + 1 for phone, n in sharers.items()}
            score, why = score_people(record, other, counts)
        elif isinstance(record, Organisation) and isinstance(other, Organisation):
            score, why = score_organisations(record, other)
        else:
            continue
        found.append((UUID(str(other_id)), score, why))
    found.sort(key=lambda f: (-f[1], str(f[0])))
    return found


def probe(
    cursor: Cursor,
    tables: Tables,
    record: Person | Organisation,
    keys: list[str],
    exclude: UUID | None = None,
) -> Scored:
    """The stored records that ``record`` (stored or not) is likely to be."""
    if not keys:
        return []
    me = exclude or UUID(int=0)
    cursor.execute(candidates_sql(tables, len(keys)), [*keys, me, me])
    return score_candidates(record, cursor.fetchall())


PAIR_COLUMNS = "p.record_id, p.other_id, p.record_type, p.score, p.explanation"


def duplicates_of(
    cursor: Cursor, tables: Tables, record_id: UUID, min_score: float, limit: int
) -> list[tuple[Any, ...]]:
    cursor.execute(
        tables.sql(
            f"SELECT {PAIR_COLUMNS} FROM {{pairs}} p WHERE p.record_id = %s"
            " AND p.score >= %s ORDER BY p.score DESC, p.other_id LIMIT %s"
        ),
        [record_id, min_score, limit],
    )
    return list(cursor.fetchall())


def all_pairs(
    cursor: Cursor,
    tables: Tables,
    record_type: str,
    min_score: float,
    limit: int,
    offset: int = 0,
) -> list[tuple[Any, ...]]:
    """Each pair once (the lower id first), best first."""
    cursor.execute(
        tables.sql(
            f"SELECT {PAIR_COLUMNS} FROM {{pairs}} p WHERE p.record_type = %s"
            " AND p.score >= %s AND p.record_id < p.other_id"
            " ORDER BY p.score DESC, p.record_id, p.other_id LIMIT %s OFFSET %s"
        ),
        [record_type, min_score, limit, offset],
    )
    return list(cursor.fetchall())
