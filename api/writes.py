"""The HTTP write conventions of DESIGN.md, in one place for every route.

- ``Idempotency-Key``: a repeat with the same key and body returns the first
  response and records nothing; the same key with another body is a 422.
- ``If-Match: <version>``: a stale version is a 412 and nothing is written.
- Every write answers ``version``, an ``ETag`` of it, and ``position``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Writer
from api.deps import ContainerDep
from commands.application import SalesApplication
from commands.base import (
    Caller,
    Conflict,
    Context,
    IdempotencyClaim,
    Outcome,
    execute,
)

C = TypeVar("C", bound=BaseModel)
Handler = Callable[[SalesApplication, C, Context], Outcome]
Present = Callable[[Any], BaseModel]

WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid bearer token"},
    403: {"description": "your role or ownership does not allow it"},
    409: {"description": "id reused, or a concurrent change was recorded first"},
    412: {"description": "If-Match names a stale version; nothing was written"},
    422: {"description": "invalid body, reused Idempotency-Key, or a rule broken"},
}

_VERSION = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


class IdempotencyMismatch(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            422, "this Idempotency-Key was used with a different request body"
        )


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    match = _VERSION.match(value)
    if not match:
        raise HTTPException(400, 'If-Match must be a version number, e.g. "3"')
    return int(match.group(1))


def respond(body: BaseModel, version: int, position: int, status: int) -> JSONResponse:
    content = {**body.model_dump(mode="json"), "version": version, "position": position}
    headers = {"ETag": f'"{version}"'}
    return JSONResponse(content, status, headers=headers)


def read_response(body: BaseModel, version: int) -> JSONResponse:
    content = body.model_dump(mode="json", exclude={"position"})
    return JSONResponse(content, headers={"ETag": f'"{version}"'})


class Write:
    """One write request: who, which conventions the client asked for."""

    def __init__(
        self,
        request: Request,
        caller: Caller,
        app: SalesApplication,
        idempotency_key: str | None,
        if_match: str | None,
    ) -> None:
        self.request = request
        self.caller = caller
        self.app = app
        self.key = f"{caller.name}:{idempotency_key}" if idempotency_key else None
        self.expected_version = parse_if_match(if_match)

    def run(self, handler: Handler[C], command: C, present: Present) -> JSONResponse:
        claim = self._claim(command)
        if claim is not None and (reply := self._replay(claim, present)) is not None:
            return reply
        ctx = Context(
            self.caller, expected_version=self.expected_version, idempotency=claim
        )
        try:
            outcome = execute(handler, self.app, command, ctx)
        except Conflict:
            if claim is not None and (reply := self._replay(claim, present)):
                return reply  # a concurrent repeat of this request won the race
            raise
        status = 201 if outcome.created else 200
        aggregate = outcome.aggregate
        return respond(present(aggregate), aggregate.version, outcome.position, status)

    def _claim(self, command: BaseModel) -> IdempotencyClaim | None:
        if self.key is None:
            return None
        digest = hashlib.sha256()
        for part in (self.request.method, self.request.url.path):
            digest.update(part.encode() + b"\0")
        digest.update(command.model_dump_json().encode())
        return IdempotencyClaim(self.key, digest.hexdigest())

    def _replay(self, claim: IdempotencyClaim, present: Present) -> JSONResponse | None:
        stored = self.app.recorder.select_idempotency(claim.key)  # type: ignore[attr-defined]
        if stored is None:
            return None
        if stored["request_hash"] != claim.request_hash:
            raise IdempotencyMismatch
        version = int(stored["version"])
        aggregate: Any = self.app.repository.get(
            UUID(stored["aggregate_id"]), version=version
        )
        reply = respond(
            present(aggregate), version, int(stored["position"]), stored["status"]
        )
        reply.headers["Idempotent-Replayed"] = "true"
        return reply


def write(
    request: Request,
    caller: Writer,
    container: ContainerDep,
    idempotency_key: Annotated[
        str | None, Header(max_length=255, description="makes the write safe to retry")
    ] = None,
    if_match: Annotated[
        str | None, Header(description="the version this write expects")
    ] = None,
) -> Write:
    return Write(request, caller, container.app, idempotency_key, if_match)


WriteDep = Annotated[Write, Depends(write)]
