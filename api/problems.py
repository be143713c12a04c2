"""RFC 9457 problem documents: one table maps errors to HTTP answers.

No input a client can send may produce a 500: validation errors become 422
with ``errors`` (field path + message); anything unexpected is logged and
answered as a problem document, never as a bare traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from commands.base import Conflict, Forbidden, IdReused, NotFound, StaleVersion
from domain.base import DomainError
from domain.outreach_rules import OutreachRefused

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://sfa.dev/problems/"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": TYPE_BASE + (kind or str(status)),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status, headers=headers, media_type=PROBLEM_JSON)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    """The request's body or parameters, or a command a route builds from
    them (a ``pydantic.ValidationError`` raised inside the route), do not
    validate: the client's input is at fault, so 422, never 500."""
    assert isinstance(exc, (RequestValidationError, ValidationError))
    errors = [
        {"field": _field_path(e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    return problem(
        422,
        "Invalid request",
        "The request does not match what this endpoint accepts.",
        kind="validation",
        errors=errors,
    )


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return problem(
        exc.status_code, _title(exc.status_code), str(exc.detail), headers=headers
    )


_DOMAIN_STATUS: list[tuple[type[DomainError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Forbidden, 403, "Forbidden"),
    (StaleVersion, 412, "Stale version"),
    (Conflict, 409, "Conflict"),
    (IdReused, 409, "Id already used"),
    (OutreachRefused, 409, "Outreach refused"),
    (DomainError, 422, "Business rule broken"),
]


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, title = next((s, t) for c, s, t in _DOMAIN_STATUS if isinstance(exc, c))
    extra: dict[str, Any] = {
        **getattr(exc, "problem_extra", {}),  # e.g. every broken rule
        **getattr(exc, "details", {}),  # e.g. the collisions
    }
    return problem(
        status,
        title,
        str(exc),
        kind=exc.rule.replace("_", "-"),
        rule=exc.rule,
        **extra,
    )


async def _store_unavailable(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("store unavailable: %s", exc)
    return problem(
        503,
        "Store unavailable",
        "The event store did not answer; nothing was recorded. Retry shortly.",
        headers={"Retry-After": "2"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "The server failed; the error was logged.")


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(OperationalError, _store_unavailable)
    app.add_exception_handler(InterfaceError, _store_unavailable)
    app.add_exception_handler(Exception, _unexpected)
