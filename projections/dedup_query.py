"""Reading the dedup view: candidates of a record (through its blocking
keys), scored pairs, one record's likely duplicates.

Shared by the view (which stores the pairs it scores) and by reads that
score a record not stored (a lead just captured)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from projections.dedup_rules import (
    Explanation,
    Organisation,
    Person,
    organisation_keys,
    person_keys,
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


@lru_cache(maxsize=20_000)
def features_of(row: tuple[Any, ...]) -> Person | Organisation:
    """``features`` of a row as read (``RECORD_COLUMNS``), remembered: the
    same records are candidates again and again."""
    return features(row_dict(row))


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


def blocks_sql(tables: Tables, count: int) -> str:
    """The records holding each of ``count`` keys, at most ``BLOCK_CAP``
    each (the lowest ids: the same on every run). Rows: key, record id.
    (One window over an ``IN`` list: a union of one capped query per key
    costs PostgreSQL more to plan than to run.)"""
    wanted = ", ".join(["%s"] * count)
    return tables.sql(
        "SELECT key, record_id FROM (SELECT key, record_id, ROW_NUMBER() OVER"
        " (PARTITION BY key ORDER BY record_id) AS n FROM {keys}"
        f" WHERE key IN ({wanted})) b WHERE n <= {BLOCK_CAP}"
    )


def records_sql(tables: Tables, count: int) -> str:
    """``count`` records by id, less those marked not a duplicate of the
    record given last. (Two queries, not one join: PostgreSQL's planner
    hashes the whole table for the join, ~20x slower at 100,000 records.)"""
    wanted = ", ".join(["%s"] * count)
    return tables.sql(
        f"SELECT {RECORD_COLUMNS} FROM {{records}} WHERE record_id IN ({wanted})"
        " AND record_id NOT IN (SELECT other_id FROM {dismissed}"
        " WHERE record_id = %s)"
    )


Scored = list[tuple[UUID, float, Explanation]]


def score_candidates(
    record: Person | Organisation,
    blocks: list[tuple[Any, ...]],
    rows: list[tuple[Any, ...]],
) -> Scored:
    """Each candidate once, with its score and explanation, best first."""
    sharers = Counter(key.partition("p:")[2] for key, _ in blocks if "|p:" in key)
    counts = {phone: n + 1 for phone, n in sharers.items()}
    found: Scored = []
    for row in rows:
        other = features_of(tuple(row))
        if isinstance(record, Person) and isinstance(other, Person):
            score, why = score_people(record, other, counts)
        elif isinstance(record, Organisation) and isinstance(other, Organisation):
            score, why = score_organisations(record, other)
        else:
            continue
        found.append((UUID(str(row[0])), score, why))
    found.sort(key=lambda f: (-f[1], str(f[0])))
    return found


Read = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


def reader(cursor: Cursor) -> Read:
    def read(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor.execute(sql, params)
        return cursor.fetchall()

    return read


def probe(
    cursor: Cursor | Read,
    tables: Tables,
    record: Person | Organisation,
    keys: list[str],
    exclude: UUID | None = None,
) -> Scored:
    """The stored records that ``record`` (stored or not) is likely to be.
    ``cursor``: a cursor, or a function that runs a read and returns its
    rows (the view's batch, which sends its pending writes with it)."""
    if not keys:
        return []
    read = cursor if callable(cursor) else reader(cursor)
    blocks = read(blocks_sql(tables, len(keys)), keys)
    me = str(exclude) if exclude is not None else None
    ids = list(dict.fromkeys(str(b[1]) for b in blocks if str(b[1]) != me))
    if not ids:
        return []
    rows = read(records_sql(tables, len(ids)), [*ids, me or str(UUID(int=0))])
    return score_candidates(record, blocks, rows)


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


def lead_features(lead: Any) -> tuple[Person | None, Organisation | None]:
    """A lead's person (if it names one) and company (if it names one)."""
    person = None
    if lead.family_name or lead.email or lead.phone:
        person = Person.of(
            lead.given_name,
            lead.family_name,
            (lead.email,) if lead.email else (),
            (lead.phone,) if lead.phone else (),
        )
    company = None
    if lead.company_name or lead.web_domain:
        company = Organisation.of(lead.company_name, lead.web_domain)
    return person, company


def likely(
    cursor: Cursor,
    tables: Tables,
    person: Person | None,
    company: Organisation | None,
    min_score: float,
    limit: int,
) -> list[tuple[UUID, str, float, Explanation]]:
    """Stored contacts like ``person`` and accounts like ``company`` (either
    may be ``None``), scoring at least ``min_score``, at most ``limit`` each."""
    probes: list[tuple[str, Person | Organisation, list[str]]] = []
    if person is not None:
        probes.append(("contact", person, person_keys(person)))
    if company is not None:
        probes.append(("account", company, organisation_keys(company)))
    found: list[tuple[UUID, str, float, Explanation]] = []
    for kind, record, keys in probes:
        scored = probe(cursor, tables, record, keys)
        found += [(i, kind, s, why) for i, s, why in scored if s >= min_score][:limit]
    return found
