"""Merge, unmerge and "not a duplicate" for contacts and accounts.

A merge records ``Merged`` on both records: the survivor (the record in the
path) takes the chosen values and the duplicate's history; the duplicate
becomes an alias (``GET`` answers 308 to the survivor). Merging a merged
pair again records nothing. Unmerge reverses it from the events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.schemas.accounts import AccountOut
from api.schemas.contacts import ContactOut
from api.schemas.duplicates import MergeIn, NotDuplicateIn, UnmergeIn
from api.writes import WRITE_ERRORS, WriteDep
from commands import merging as cmd

router = APIRouter(tags=["dedup"])
Present = Callable[[Any], Any]
KINDS: dict[str, Present] = {"contact": ContactOut.of, "account": AccountOut.of}


def merge(kind: str, record_id: UUID, body: MergeIn, w: WriteDep) -> JSONResponse:
    command = cmd.MergeRecords(
        kind=kind,  # type: ignore[arg-type]
        survivor_id=record_id,
        duplicate_id=body.duplicate_id,
        choose=body.choose,
    )
    return w.run(cmd.merge_records, command, KINDS[kind])


def unmerge(kind: str, record_id: UUID, body: UnmergeIn, w: WriteDep) -> JSONResponse:
    command = cmd.UnmergeRecords(
        kind=kind,  # type: ignore[arg-type]
        survivor_id=record_id,
        duplicate_id=body.duplicate_id,
    )
    return w.run(cmd.unmerge_records, command, KINDS[kind])


def dismiss(
    kind: str, record_id: UUID, body: NotDuplicateIn, w: WriteDep
) -> JSONResponse:
    command = cmd.MarkNotDuplicate(
        kind=kind,  # type: ignore[arg-type]
        record_id=record_id,
        other_id=body.other_id,
        reason=body.reason,
    )
    return w.run(cmd.mark_not_duplicate, command, KINDS[kind])


def _routes(kind: str, Out: type) -> None:
    one = f"/{kind}s/{{record_id}}"

    @router.post(
        one + "/merge", response_model=Out, responses=WRITE_ERRORS, name=f"merge_{kind}"
    )
    def merge_route(record_id: UUID, body: MergeIn, w: WriteDep) -> JSONResponse:
        """Merge `duplicate_id` into this record (the survivor)."""
        return merge(kind, record_id, body, w)

    @router.post(
        one + "/unmerge",
        response_model=Out,
        responses=WRITE_ERRORS,
        name=f"unmerge_{kind}",
    )
    def unmerge_route(record_id: UUID, body: UnmergeIn, w: WriteDep) -> JSONResponse:
        """Undo the merge of `duplicate_id` into this record."""
        return unmerge(kind, record_id, body, w)

    @router.post(
        one + "/not-a-duplicate",
        response_model=Out,
        responses=WRITE_ERRORS,
        name=f"not_a_duplicate_{kind}",
    )
    def dismiss_route(
        record_id: UUID, body: NotDuplicateIn, w: WriteDep
    ) -> JSONResponse:
        """Mark `other_id` as someone else: the pair is not proposed again."""
        return dismiss(kind, record_id, body, w)


_routes("contact", ContactOut)
_routes("account", AccountOut)
