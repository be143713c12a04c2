"""An in-memory application and callers, for unit tests of commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

from commands.application import SalesApplication
from commands.base import Caller, Context, Outcome, execute

C = TypeVar("C")

ADMIN = Caller("root", frozenset({"admin"}))


def memory_app() -> SalesApplication:
    return SalesApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def rep(rep_id: UUID | None = None) -> Caller:
    return Caller("ann", frozenset({"rep"}), rep_id or uuid4())


def run(
    app: SalesApplication,
    handler: Callable[[SalesApplication, C, Context], Outcome],
    command: C,
    caller: Caller = ADMIN,
    **context: Any,
) -> Outcome:
    return execute(handler, app, command, Context(caller, **context))


def events_of(app: SalesApplication, aggregate_id: UUID) -> list[Any]:
    """The stored events of one record, as read back from the store."""
    return list(app.events.get(aggregate_id))


def event_names(app: SalesApplication, aggregate_id: UUID) -> list[str]:
    return [type(e).__name__ for e in events_of(app, aggregate_id)]


def registered_rep(app: SalesApplication, rep_id: UUID | None = None) -> UUID:
    """An active rep (owners must be active reps)."""
    from commands.reps import RegisterRep, register_rep

    rep_id = rep_id or uuid4()
    command = RegisterRep(id=rep_id, name="Rep", email=f"r{rep_id.hex[:8]}@sfa.dev")
    run(app, register_rep, command)
    return rep_id


def opened_action(app: SalesApplication, rep_id: UUID, owner_id: UUID) -> UUID:
    """A corrective action against ``rep_id``'s calls in March 2027, owned
    by ``owner_id`` (an active rep)."""
    from commands import corrective_actions as ca

    command = ca.OpenCorrectiveAction(
        scope="rep",
        member=str(rep_id),
        metric="activities_completed",
        activity_kind="call",
        period="2027-03",
        owner_id=owner_id,
        kind="coaching",
        due_date=date(2027, 3, 31),
    )
    return UUID(str(run(app, ca.open_corrective_action, command).aggregate.id))
