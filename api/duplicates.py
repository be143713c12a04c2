"""Likely duplicates for the answers of ``POST /contacts`` and ``POST /leads``:
a client can warn the rep at once. Read from the dedup view after it has
applied the write (read-your-writes, bounded); if it has not within
``WAIT_SECONDS``, ``likely_duplicates`` is ``null`` (ask
``GET /contacts/{id}/duplicates?min_position=`` later)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse

from api.schemas.duplicates import DuplicateOut
from api.writes import JSONText
from infra.bootstrap import Container
from projections.dedup import Dedup
from projections.dedup_query import Scored, duplicates_of, probe
from projections.dedup_rules import Organisation, Person, organisation_keys, person_keys

WAIT_SECONDS = 2.0
MIN_SCORE = 0.5
LIMIT = 10


def stored_duplicates(
    container: Container, record_id: UUID, position: int
) -> list[DuplicateOut] | None:
    host = container.projections
    wait = WAIT_SECONDS if host.is_running(Dedup.name) else 0.0
    if not host.wait_for(Dedup.name, position, wait):
        return None
    store = host.store
    with store.transaction() as cursor:
        rows = duplicates_of(cursor, store.names(Dedup), record_id, MIN_SCORE, LIMIT)
    return [DuplicateOut.of(row[1], row[2], row[3], row[4]) for row in rows]


def probed_duplicates(
    container: Container, person: Person | None, company: Organisation | None
) -> list[DuplicateOut]:
    """Stored contacts like ``person`` and accounts like ``company``."""
    store = container.projections.store
    found: list[DuplicateOut] = []
    with store.transaction() as cursor:
        tables = store.names(Dedup)
        probes: list[tuple[str, Any, list[str]]] = []
        if person is not None:
            probes.append(("contact", person, person_keys(person)))
        if company is not None:
            probes.append(("account", company, organisation_keys(company)))
        for kind, record, keys in probes:
            scored: Scored = probe(cursor, tables, record, keys)
            found += [
                DuplicateOut.of(i, kind, s, why)
                for i, s, why in scored
                if s >= MIN_SCORE
            ][:LIMIT]
    return found


def with_duplicates(
    response: JSONResponse, duplicates: list[DuplicateOut] | None
) -> JSONResponse:
    """The write's answer with ``likely_duplicates`` added."""
    body = json.loads(bytes(response.body))
    body["likely_duplicates"] = (
        None if duplicates is None else [d.model_dump(mode="json") for d in duplicates]
    )
    headers = {
        k: v for k, v in response.headers.items() if k.lower() != "content-length"
    }
    return JSONText(json.dumps(body).encode(), response.status_code, headers)


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
