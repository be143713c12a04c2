"""The HTTP write conventions of DESIGN.md, in one place for every route.

- ``Idempotency-Key``: a repeat with the same key and body returns the first
  response and records nothing; the same key with another body is a 422.
- ``If-Match: <version>``: a stale version is a 412 and nothing is written.
- Every write answers ``version``, an ``ETag`` of it, and ``position``.

A write is checked in this order, each answering before the next is looked
at: token (401), role (403), an ``Idempotency-Key`` over 255 characters
(422), an ``If-Match`` that is not a version (400), the body (422).

Cost: ``write`` is one ``async`` dependency that reads its headers from the
request and does no I/O, so a write crosses to FastAPI's thread pool once,
for the route itself (where the command, and a manager's team lookup, read
the store). FastAPI runs ``def`` dependencies in the thread pool, one
hand-off each, and its ``Header`` parameters cost more than the checks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute

from api.auth import ADMINS, WRITERS, authenticate, caller_of
from api.deps import container_of
from commands.application import SalesApplication
from commands.base import (
    Caller,
    Conflict,
    Context,
    IdempotencyClaim,
    Outcome,
    execute,
)
from infra.settings import Principal

CATALOGUE = frozenset({"admin", "service"})
RECRUITERS = frozenset({"manager", "admin"})
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

MANAGERS = frozenset({"manager", "admin"})
MAX_KEY = 255
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')
_WRITE_FIELDS = frozenset({"version", "position"})


class IdempotencyMismatch(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            422, "this Idempotency-Key was used with a different request body"
        )


class JSONText(JSONResponse):
    """A ``JSONResponse`` of JSON already made: sent as given."""

    def render(self, content: Any) -> bytes:
        assert isinstance(content, bytes)
        return content


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    match = _VERSION.match(value)
    if not match:
        raise HTTPException(400, 'If-Match must be a version number, e.g. "3"')
    return int(match.group(1))


def respond(body: BaseModel, version: int, position: int, status: int) -> JSONResponse:
    """``body`` with ``version`` and ``position``, and an ETag. The JSON is
    made once, by pydantic: the same text as ``JSONResponse`` makes of
    ``model_dump(mode="json")`` (answers carry no floats: money is a string)."""
    headers = {"ETag": f'"{version}"'}
    if type(body).model_fields.keys() >= _WRITE_FIELDS:
        body = body.model_copy(update={"version": version, "position": position})
        return JSONText(body.model_dump_json().encode(), status, headers)
    content = {**body.model_dump(mode="json"), "version": version, "position": position}
    return JSONResponse(content, status, headers)


def read_response(body: BaseModel, version: int) -> JSONResponse:
    content = body.model_dump_json(exclude={"position"}).encode()
    return JSONText(content, headers={"ETag": f'"{version}"'})


class Write:
    """One write request: who, which conventions the client asked for."""

    def __init__(
        self,
        request: Request,
        caller: Caller | Principal,
        app: SalesApplication,
        idempotency_key: str | None,
        if_match: str | None,
    ) -> None:
        """A ``Principal`` becomes the ``Caller`` when first needed, in the
        route's thread: a manager's team is read from the store."""
        self.request = request
        self._caller = caller
        self.app = app
        self.key = f"{caller.name}:{idempotency_key}" if idempotency_key else None
        self.expected_version = parse_if_match(if_match)

    @property
    def caller(self) -> Caller:
        if isinstance(self._caller, Principal):
            self._caller = caller_of(self.app, self._caller)
        return self._caller

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


def _idempotency_key(request: Request) -> str | None:
    """The header, or the 422 FastAPI gave for ``Header(max_length=255)``."""
    key = request.headers.get("idempotency-key")
    if key is not None and len(key) > MAX_KEY:
        error = {
            "type": "string_too_long",
            "loc": ("header", "idempotency-key"),
            "msg": f"String should have at most {MAX_KEY} characters",
            "input": key,
            "ctx": {"max_length": MAX_KEY},
        }
        raise RequestValidationError([error])
    return key


def _write(request: Request, roles: frozenset[str]) -> Write:
    principal = authenticate(request, roles)
    key = _idempotency_key(request)
    app = container_of(request).app
    return Write(request, principal, app, key, request.headers.get("if-match"))


async def write(request: Request) -> Write:
    return _write(request, WRITERS)


async def admin_write(request: Request) -> Write:
    """``write`` for what only admins may change (reps, teams, pipelines)."""
    return _write(request, ADMINS)


async def catalogue_write(request: Request) -> Write:
    """``write`` for the product catalogue: admins and services."""
    return _write(request, CATALOGUE)


async def manager_write(request: Request) -> Write:
    """``write`` for what managers and admins change (standards, actions)."""
    return _write(request, MANAGERS)


async def recruiter_write(request: Request) -> Write:
    """``write`` for recruiting: managers and admins."""
    return _write(request, RECRUITERS)


WriteDep = Annotated[Write, Depends(write)]
AdminWriteDep = Annotated[Write, Depends(admin_write)]
CatalogueWriteDep = Annotated[Write, Depends(catalogue_write)]
ManagerWriteDep = Annotated[Write, Depends(manager_write)]
RecruiterWriteDep = Annotated[Write, Depends(recruiter_write)]


def _header(name: str, about: str, max_length: int | None = None) -> dict[str, Any]:
    string: dict[str, Any] = {"type": "string"}
    if max_length is not None:
        string["maxLength"] = max_length
    schema = {"anyOf": [string, {"type": "null"}], "description": about}
    title = "-".join(part.capitalize() for part in name.split("-"))
    return {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {**schema, "title": title},
        "description": about,
    }


HEADERS = [
    _header("idempotency-key", "makes the write safe to retry", MAX_KEY),
    _header("if-match", "the version this write expects"),
]
"""What ``write`` reads, as the OpenAPI parameters FastAPI makes of
``Header(...)`` parameters."""


WRITE_DEPENDENCIES = {
    write,
    admin_write,
    catalogue_write,
    manager_write,
    recruiter_write,
}


def document_headers(routes: Iterable[BaseRoute]) -> None:
    """Lists ``HEADERS`` in the OpenAPI operation of every route that writes
    (once, however often it is called)."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        if {d.call for d in route.dependant.dependencies} & WRITE_DEPENDENCIES:
            extra = route.openapi_extra or {}
            others = [p for p in extra.get("parameters", []) if p not in HEADERS]
            route.openapi_extra = {**extra, "parameters": [*others, *HEADERS]}
