"""Reading the dedup view: candidates of a record (through its blocking
keys), scored pairs, one record's likely duplicates.

Shared by the view (which stores the pairs it scores) and by reads that
score a record not stored (a lead just captured)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from projections.dedup_bulk import Candidates, scores, unpack
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
# what a candidate is compared by (``dedup_bulk.unpack``), kept with each of
# its keys (a row of ``keys`` is written anew whenever its record changes)
CANDIDATE_COLUMNS = "record_type, compared, emails, phones, web_domain,"
CANDIDATE_COLUMNS += " CAST(account_id AS TEXT)"  # text: no UUID objects made
KEY_COLUMNS = "key, record_id, record_type, compared, emails, phones, web_domain,"
KEY_COLUMNS += " account_id"


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
    """The records holding each of ``count`` keys, at most ``BLOCK_CAP``
    each (the lowest ids: the same on every run), in one trip. Rows: key,
    record id, whether it is marked not a duplicate of the record given
    first, ``CANDIDATE_COLUMNS``. One table, no join: whatever the
    planner's statistics (none yet after a bulk load), it reads the keys'
    index. (One window over an ``IN`` list: a union of one capped query per
    key costs PostgreSQL more to plan than to run.)"""
    wanted = ", ".join(["%s"] * count)
    return tables.sql(
        "SELECT key, CAST(record_id AS TEXT), record_id IN (SELECT other_id FROM"
        f" {{dismissed}} WHERE record_id = %s), {CANDIDATE_COLUMNS} FROM (SELECT"
        f" {KEY_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY key ORDER BY record_id)"
        f" AS n FROM {{keys}} WHERE key IN ({wanted})) b WHERE n <= {BLOCK_CAP}"
    )


Scored = list[tuple[UUID, float, Explanation]]
MARGIN = 0.01  # below the floor, a bulk score still explained (and re-scored)


def score_candidates(
    record: Person | Organisation,
    rows: list[tuple[Any, ...]],
    exclude: UUID | None = None,
    floor: float = 0.0,
) -> Scored:
    """Each candidate (``candidates_sql`` rows) once, less ``exclude`` and
    those marked not a duplicate, scoring at least ``floor``, with its
    explanation, best first. Contacts are scored in bulk first; only those
    near or above ``floor`` are explained (``score_people``)."""
    me = str(exclude) if exclude is not None else None
    sharers = Counter(row[0].partition("p:")[2] for row in rows if "|p:" in row[0])
    counts = {phone: n + 1 for phone, n in sharers.items()}
    seen: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        if row[1] != me and not row[2] and row[1] not in seen:
            seen[row[1]] = row[3:]
    found: Scored = []
    if isinstance(record, Person):
        people = {i: row for i, row in seen.items() if row[0] == "contact"}
        columns = [(r[1], r[2], r[3], r[5]) for r in people.values()]
        bulk = scores(record, Candidates(columns), counts)
        for (other_id, row), rough in zip(people.items(), bulk, strict=True):
            if rough >= floor - MARGIN:
                other = unpack(*row)
                assert isinstance(other, Person)
                score, why = score_people(record, other, counts)
                found.append((UUID(other_id), score, why))
    else:
        for other_id, row in seen.items():
            other = unpack(*row)
            if isinstance(other, Organisation):
                score, why = score_organisations(record, other)
                found.append((UUID(other_id), score, why))
    found = [f for f in found if f[1] >= floor]
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
    floor: float = 0.0,
) -> Scored:
    """The stored records that ``record`` (stored or not) is likely to be,
    scoring at least ``floor``, in one read. ``cursor``: a cursor, or a
    function that runs a read and returns its rows (the view's batch, which
    sends its pending writes with it)."""
    if not keys:
        return []
    read = cursor if callable(cursor) else reader(cursor)
    me = str(exclude) if exclude is not None else str(UUID(int=0))
    rows = read(candidates_sql(tables, len(keys)), [me, *keys])
    return score_candidates(record, rows, exclude, floor)


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
        scored = probe(cursor, tables, record, keys, floor=min_score)
        found += [(i, kind, s, why) for i, s, why in scored][:limit]
    return found
