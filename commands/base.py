"""What every command handler shares: the caller, the context of one command,
loading with version checks, and saving with idempotency in one transaction.

What must hold:
- A command either records all its events (across aggregates) or none.
- With an idempotency claim, the claim is recorded in the same transaction as
  the events; a second command with the same claim records nothing.
- With an expected version (``If-Match``), a stale aggregate is refused before
  anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent
from pydantic import BaseModel, ConfigDict, model_validator

from commands.application import SalesApplication, project
from commands.ids import new_id
from commands.write_cache import Loan, Reread, borrow, consult, current_loan, keep
from domain.base import Actor, DomainError, RuleBroken, acting_as


class Owned(Protocol):
    """A record whose owner decides who may change it (``may_write``)."""

    @property
    def owner_id(self) -> UUID | None: ...


A = TypeVar("A", bound=Aggregate)
W = TypeVar("W", bound=Owned)
C = TypeVar("C")


class Command(BaseModel):
    """Every command model: immutable, an unknown field is refused, and so is
    a NUL character in any text (PostgreSQL text cannot hold one: a view
    given one would stop at that event)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if holds_nul(data):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return data


_ATOMS = frozenset({UUID, int, bool, float, Decimal, datetime, date, type(None)})


def holds_nul(value: Any) -> bool:
    kind = type(value)  # the common kinds first, without isinstance checks
    if kind is str or isinstance(value, str):
        return "\x00" in value
    if kind in _ATOMS:
        return False
    if kind is dict or isinstance(value, Mapping):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_nul(v) for v in value)
    if isinstance(value, BaseModel):
        return holds_nul(value.__dict__)
    return False


class NotFound(DomainError):
    rule = "not_found"


class Forbidden(DomainError):
    rule = "forbidden"


class StaleVersion(DomainError):
    rule = "stale_version"


class Conflict(DomainError):
    rule = "conflict"


class IdReused(DomainError):
    rule = "id_reused"


@dataclass(frozen=True)
class Caller:
    """The authenticated principal a command runs for."""

    name: str
    roles: frozenset[str]
    rep_id: UUID | None = None
    team_rep_ids: frozenset[UUID] = frozenset()

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class IdempotencyClaim:
    """A client's ``Idempotency-Key``, scoped to the caller, with the hash of
    the request it was first used for."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Context:
    caller: Caller
    correlation_id: UUID = field(default_factory=new_id)
    causation_id: UUID | None = None
    expected_version: int | None = None
    idempotency: IdempotencyClaim | None = None

    @classmethod
    def anonymous(cls) -> Context:
        """For reads: no caller acts, nothing is recorded."""
        return cls(Caller("reader", frozenset()))


@dataclass(frozen=True)
class Outcome:
    """What a command did: the record the client asked about, its version, and
    the global position of the command's last event (the head if none)."""

    aggregate: Any
    position: int
    created: bool = False
    versions: dict[UUID, int] = field(default_factory=dict)


class IdempotencyStore(Protocol):
    def select_idempotency(self, key: str) -> dict[str, Any] | None: ...


class ManyStore(Protocol):
    """A recorder that reads the events of several aggregates at once."""

    def select_events_many(
        self, originator_ids: Sequence[UUID]
    ) -> dict[UUID, list[StoredEvent]]: ...


Loaded = Mapping[UUID, Aggregate | None]
"""Records read ahead by ``load_many``: ``None`` for an id that names none."""


def load_many(
    app: SalesApplication, ids: Iterable[UUID | None]
) -> dict[UUID, Aggregate | None]:
    """The current record of each id (``None`` ids are skipped; an id that
    names no record maps to ``None``, as ``exists`` answers): those the
    running command may consult in the write cache from there, the others in
    one round trip when the recorder has ``select_events_many`` and the
    repository neither caches nor snapshots; otherwise one ``exists`` per id."""
    found: dict[UUID, Aggregate | None] = {}
    wanted = []
    for i in dict.fromkeys(i for i in ids if i is not None):
        lent = consult(i)
        if lent is None:
            wanted.append(i)
        else:
            found[i] = lent
    recorder = app.recorder
    direct = app.snapshots is None and app.repository.cache is None
    if len(wanted) < 2 or not direct or not hasattr(recorder, "select_events_many"):
        return found | {i: exists(app, i) for i in wanted}
    stored = cast(ManyStore, recorder).select_events_many(wanted)
    to_event = app.mapper.to_domain_event
    found.update(dict.fromkeys(wanted))
    for aggregate_id, events in stored.items():
        found[aggregate_id] = record = project(None, (to_event(e) for e in events))
        keep(record)
    return found


def load(
    app: SalesApplication,
    cls: type[A],
    aggregate_id: UUID,
    ctx: Context,
    loaded: Loaded | None = None,
) -> A:
    """The current aggregate (from ``loaded`` if read ahead there, else from
    the store); ``NotFound`` if absent or of another kind; ``StaleVersion`` if
    the caller expected another version."""
    aggregate = _stored(app, aggregate_id, loaded)
    if not isinstance(aggregate, cls):
        raise NotFound(f"no {cls.__name__.lower()} {aggregate_id}")
    expected = ctx.expected_version
    if expected is not None and expected != aggregate.version:
        msg = f"version {expected} is stale: the record is at {aggregate.version}"
        raise StaleVersion(msg)
    return aggregate


def load_for_write(
    app: SalesApplication,
    cls: type[W],
    aggregate_id: UUID,
    ctx: Context,
    what: str,
    loaded: Loaded | None = None,
) -> W:
    """``load``, then ``Forbidden`` unless the caller may change records of
    the record's owner (``require_write``); ``what`` (``"a lead"``) names the
    record in the refusal. For aggregates without an owner, ``load``."""
    # ``cls`` is an aggregate with an owner; typing has no "and" to say so.
    if loaded is None or aggregate_id not in loaded:
        lent = borrow(aggregate_id)  # the command changes it: a cached copy does
        loaded = loaded if lent is None else {**(loaded or {}), aggregate_id: lent}
    found = load(app, cast("type[Aggregate]", cls), aggregate_id, ctx, loaded)
    aggregate = cast(W, found)
    require_write(ctx.caller, aggregate.owner_id, what)
    return aggregate


def exists(
    app: SalesApplication, aggregate_id: UUID, loaded: Loaded | None = None
) -> Aggregate | None:
    """The current record, or ``None``; from ``loaded`` if read ahead there,
    else from the write cache if the running command may consult it there
    (``commands.write_cache``), else from the store."""
    if loaded is not None and aggregate_id in loaded:
        return loaded[aggregate_id]
    found = consult(aggregate_id)
    if found is None:
        found = _stored(app, aggregate_id)
        if found is not None:
            keep(found)
    return cast("Aggregate | None", found)


def _stored(
    app: SalesApplication, aggregate_id: UUID, loaded: Loaded | None = None
) -> Aggregate | None:
    if loaded is not None and aggregate_id in loaded:
        return loaded[aggregate_id]
    try:
        found: Aggregate = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    return found


def chosen_or_new(
    app: SalesApplication, chosen_id: UUID | None
) -> tuple[UUID, Aggregate | None]:
    """The id of a record a create makes, and the record it already names.
    A client-chosen id is looked up (a repeat of the create, or a reused id);
    a fresh id (``new_id``) names nothing yet, so it is not looked up (one round
    trip fewer)."""
    if chosen_id is None:
        return new_id(), None
    return chosen_id, exists(app, chosen_id)


def referenced(
    app: SalesApplication,
    cls: type[A],
    id: UUID,
    rule: str,
    loaded: Loaded | None = None,
) -> A:
    """A record a command names in its body: missing is a 422 (``rule``), not
    a 404."""
    found = exists(app, id, loaded)
    if not isinstance(found, cls):
        raise RuleBroken(f"no {cls.__name__.lower()} {id}", rule=rule)
    return found


def ensure_unused(app: SalesApplication, record_id: UUID) -> None:
    """``IdReused`` if a record of any kind has this id already."""
    if exists(app, record_id) is not None:
        raise IdReused(f"id {record_id} already names a record")


def repeat_of_creation(
    app: SalesApplication,
    found: Aggregate,
    cls: type[Aggregate],
    fields: dict[str, Any],
) -> Outcome:
    """A create for an id that exists: the same body again is not an error and
    records nothing; another body (or another kind of record) is ``IdReused``."""
    first = next(iter(app.events.get(found.id, lte=found.INITIAL_VERSION)), None)
    same = isinstance(found, cls) and all(
        _same(getattr(first, name, None), value) for name, value in fields.items()
    )
    if not same:
        msg = f"id {found.id} already names a different record"
        raise IdReused(msg)
    return Outcome(found, app.recorder.max_notification_id() or 0, created=False)


def _same(recorded: Any, requested: Any) -> bool:
    if isinstance(recorded, list | tuple) and isinstance(requested, list | tuple):
        return list(recorded) == list(requested)
    return bool(recorded == requested)


def save(
    app: SalesApplication,
    ctx: Context,
    primary: Aggregate,
    *others: Aggregate,
    created: bool = False,
    status: int = 200,
) -> Outcome:
    """Record the events of all given aggregates in one transaction; the
    process keeps them for the next command that changes them."""
    aggregates = (primary, *others)
    loan = current_loan.get()
    kwargs: dict[str, Any] = {}
    if loan is not None and (expected := loan.check(aggregates)):
        kwargs["expect"] = expected  # the records it relied on, unchanged
    claim = ctx.idempotency
    if claim is not None:
        kwargs["idempotency"] = {
            "key": claim.key,
            "request_hash": claim.request_hash,
            "status": 201 if created else status,
            "aggregate_id": str(primary.id),
            "version": primary.version,
        }
    try:
        recordings = app.save(*aggregates, **kwargs)
    except IntegrityError as e:
        if loan is not None:  # nothing was written: what it borrowed may be stale
            loan.forget()
        raise Conflict(
            "another change to this record was recorded first; reload and retry"
        ) from e
    if loan is not None:
        loan.wrote = True
    if app.write_cache is not None:
        app.write_cache.put(aggregates)
    position = recordings[-1].notification.id if recordings else None
    if position is None:
        position = app.recorder.max_notification_id() or 0
    return Outcome(
        aggregate=primary,
        position=position,
        created=created,
        versions={a.id: a.version for a in aggregates},
    )


def execute(
    handler: Callable[[SalesApplication, C, Context], Outcome],
    app: SalesApplication,
    command: C,
    ctx: Context,
) -> Outcome:
    """Run one command: every event it creates names the caller and its
    correlation and causation ids. The one way in for HTTP, CLI and Kafka.

    The command may change or check records as this process saved them last
    (``commands.write_cache``); if it was lent any and is refused, would not
    write one it borrowed, or answers without saving, it is decided again
    from the store."""
    actor = Actor(ctx.caller.name, ctx.correlation_id, ctx.causation_id)
    with acting_as(actor):
        loan = Loan(app.write_cache, checked=app.checks_expected_versions)
        token = current_loan.set(loan)
        try:
            outcome = handler(app, command, ctx)
            if not loan.used or loan.closed:  # lent nothing, or its save decided
                return outcome
        except (DomainError, Reread):
            if not loan.used or loan.wrote:  # a retry must not write twice
                raise
            loan.forget()
        finally:
            current_loan.reset(token)
        token = current_loan.set(None)  # nothing lent: all from the store
        try:
            return handler(app, command, ctx)
        finally:
            current_loan.reset(token)


def may_write(caller: Caller, owner_id: UUID | None) -> bool:
    """Reps write what they own or what is unowned; managers also what their
    team owns; admins and services write everything."""
    if caller.has("admin", "service"):
        return True
    if caller.has("rep", "manager") and owner_id is None:
        return True
    if caller.has("rep", "manager") and owner_id == caller.rep_id:
        return True
    return caller.has("manager") and owner_id in caller.team_rep_ids


def require_write(caller: Caller, owner_id: UUID | None, what: str) -> None:
    if not may_write(caller, owner_id):
        raise Forbidden(f"{caller.name} may not change {what} owned by another rep")
