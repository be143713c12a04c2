"""Likely duplicates for the answers of ``POST /contacts`` and ``POST /leads``:
a client can warn the rep at once. Read from the dedup view after it has
applied the write (read-your-writes, bounded); if it has not within
``WAIT_SECONDS``, ``likely_duplicates`` is ``null`` (ask
``GET /contacts/{id}/duplicates?min_position=`` later)."""

from __future__ import annotations

import json
from uuid import UUID

from fastapi.responses import JSONResponse

from api.schemas.duplicates import DuplicateOut
from api.writes import JSONText
from infra.bootstrap import Container
from projections.dedup import Dedup
from projections.dedup_query import duplicates_of, likely
from projections.dedup_rules import Organisation, Person

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
    with store.reading() as cursor:
        rows = duplicates_of(cursor, store.names(Dedup), record_id, MIN_SCORE, LIMIT)
    return [DuplicateOut.of(row[1], row[2], row[3], row[4]) for row in rows]


def probed_duplicates(
    container: Container, person: Person | None, company: Organisation | None
) -> list[DuplicateOut]:
    """Stored contacts like ``person`` and accounts like ``company``."""
    store = container.projections.store
    with store.reading() as cursor:
        found = likely(cursor, store.names(Dedup), person, company, MIN_SCORE, LIMIT)
    return [DuplicateOut.of(*item) for item in found]


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
