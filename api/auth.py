"""Bearer tokens to callers, and who may call what.

Roles: ``rep`` (writes what they own or what is unowned, reads all),
``manager`` (what a rep can, for their team), ``analyst`` and ``auditor``
(read only), ``admin`` (everything), ``service`` (writes for another system).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, HTTPException, Request

from api.deps import ContainerDep
from commands.base import Caller
from commands.reps import team_rep_ids

READERS = frozenset({"rep", "manager", "analyst", "auditor", "admin", "service"})
WRITERS = frozenset({"rep", "manager", "admin", "service"})
ADMINS = frozenset({"admin"})

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="sfa"'}


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "send Authorization: Bearer <token>", _CHALLENGE)
    return token.strip()


def authenticated(request: Request, container: ContainerDep) -> Caller:
    principal = container.settings.api_tokens.get(_bearer(request))
    if principal is None:
        raise HTTPException(401, "unknown or revoked token", _CHALLENGE)
    team: frozenset[UUID] = frozenset()
    if principal.rep_id is not None and "manager" in principal.roles:
        team = team_rep_ids(container.app, principal.rep_id)
    return Caller(principal.name, frozenset(principal.roles), principal.rep_id, team)


def allowed(roles: frozenset[str]) -> object:
    def check(caller: Annotated[Caller, Depends(authenticated)]) -> Caller:
        if not caller.roles & roles:
            needed = ", ".join(sorted(roles))
            raise HTTPException(403, f"this needs one of the roles: {needed}")
        return caller

    return Depends(check)


Reader = Annotated[Caller, allowed(READERS)]
Writer = Annotated[Caller, allowed(WRITERS)]
Admin = Annotated[Caller, allowed(ADMINS)]
