"""Bearer tokens to callers, and who may call what.

Roles: ``rep`` (writes what they own or what is unowned, reads all),
``manager`` (what a rep can, for their team), ``analyst`` and ``auditor``
(read only), ``admin`` (everything), ``service`` (writes for another system).

What must hold: no or an unknown token is a 401 (with a Bearer challenge),
then a role that may not call the route is a 403, before anything else of the
request is looked at. The checks are one ``async`` dependency that reads the
header itself: FastAPI runs ``def`` dependencies in its thread pool, and each
hand-off cost more than the check. Only a manager's team needs the store; it
is read in the thread pool.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.deps import container_of
from commands.application import SalesApplication
from commands.base import Caller
from commands.reps import team_rep_ids
from infra.settings import Principal

READERS = frozenset({"rep", "manager", "analyst", "auditor", "admin", "service"})
WRITERS = frozenset({"rep", "manager", "admin", "service"})
ADMINS = frozenset({"admin"})
AUDITORS = frozenset({"auditor", "admin"})

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="sfa"'}


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "send Authorization: Bearer <token>", _CHALLENGE)
    return token.strip()


def authenticate(request: Request, roles: frozenset[str]) -> Principal:
    """The token's principal: 401 without a known token, 403 without one of
    ``roles``. Reads nothing from the store."""
    tokens = container_of(request).settings.api_tokens
    principal = tokens.get(_bearer(request))
    if principal is None:
        raise HTTPException(401, "unknown or revoked token", _CHALLENGE)
    if roles.isdisjoint(principal.roles):
        needed = ", ".join(sorted(roles))
        raise HTTPException(403, f"this needs one of the roles: {needed}")
    return principal


def needs_store(principal: Principal) -> bool:
    """A manager's caller names their team's reps, read from the store."""
    return principal.rep_id is not None and "manager" in principal.roles


def caller_of(app: SalesApplication, principal: Principal) -> Caller:
    """The caller commands run for; reads the store if ``needs_store``."""
    team: frozenset[UUID] = frozenset()
    if principal.rep_id is not None and needs_store(principal):
        team = team_rep_ids(app, principal.rep_id)
    return Caller(principal.name, frozenset(principal.roles), principal.rep_id, team)


def allowed(roles: frozenset[str]) -> object:
    async def check(request: Request) -> Caller:
        principal = authenticate(request, roles)
        app = container_of(request).app
        if needs_store(principal):
            return await run_in_threadpool(caller_of, app, principal)
        return caller_of(app, principal)

    return Depends(check)


Reader = Annotated[Caller, allowed(READERS)]
Writer = Annotated[Caller, allowed(WRITERS)]
Admin = Annotated[Caller, allowed(ADMINS)]
Auditor = Annotated[Caller, allowed(AUDITORS)]
